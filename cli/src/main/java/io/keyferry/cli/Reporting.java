package io.keyferry.cli;

import io.keyferry.core.report.ReportWriter;
import io.keyferry.core.report.RunTally;
import io.keyferry.core.report.Summary;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.verifier.AuditTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The end of a run: the report from the whole audit trail, the summary, and the exit code. */
final class Reporting {
    private Reporting() {
    }

    /** The tally the end of the run will need, read while the run goes on. */
    static AuditTopic.Following follow(KafkaClients clients, String run, Path report) {
        return new AuditTopic(clients).follow(run, report != null);
    }

    static int finish(AuditTopic.Following following, Path report) throws InterruptedException {
        Summary summary;
        try (RunTally tally = following.finish()) {
            if (report != null) {
                try {
                    ReportWriter.write(report, tally.records());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the report " + report + ": " + e.getMessage(), e);
                }
            }
            summary = tally.summary();
        }
        System.out.print(summary.render());
        if (report != null) {
            System.out.println("report: " + report.toAbsolutePath().normalize());
        }
        System.out.flush();
        return summary.failed() ? Errors.RUN_FAILED : Errors.OK;
    }
}
