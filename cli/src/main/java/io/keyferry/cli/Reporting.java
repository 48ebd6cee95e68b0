package io.keyferry.cli;

import io.keyferry.core.report.ReportWriter;
import io.keyferry.core.report.RunTally;
import io.keyferry.core.report.Summary;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.verifier.AuditTopic;
import io.keyferry.verifier.Coverage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Function;

/** The end of a run: the report from the whole audit trail, the summary, and the exit code. */
final class Reporting {
    private Reporting() {
    }

    /** The tally the end of the run will need, read while the run goes on. */
    static AuditTopic.Following follow(KafkaClients clients, String run, Path report) {
        return new AuditTopic(clients).follow(run, report != null);
    }

    /**
     * The report and the summary from the whole trail, and the exit code.
     *
     * @param coverage given once the run is complete: what of the scanners' keys the report lacks
     *                 (a report short of keys is an error, exit 2); null for a report of a run
     *                 stopped before its end
     */
    static int finish(AuditTopic.Following following, Path report, Function<RunTally, Coverage.Gap> coverage)
            throws InterruptedException {
        return finish(following, report, coverage, false);
    }

    /**
     * @param answered the run's mismatches were answered for elsewhere (a cut-over's exit code says
     *                 whether the target is the image): they do not make this exit 2; an
     *                 incomplete report still does
     */
    static int finish(AuditTopic.Following following, Path report, Function<RunTally, Coverage.Gap> coverage, boolean answered)
            throws InterruptedException {
        Summary summary;
        Coverage.Gap gap = null;
        try (RunTally tally = following.finish()) {
            if (report != null) {
                try {
                    ReportWriter.write(report, tally.records());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the report " + report + ": " + e.getMessage(), e);
                }
            }
            summary = tally.summary();
            if (coverage != null) {
                gap = coverage.apply(tally);
            }
        }
        System.out.print(summary.render());
        if (report != null) {
            System.out.println("report: " + report.toAbsolutePath().normalize());
        }
        System.out.flush();
        if (gap != null && gap.missing() > 0) {
            System.err.printf("keyferry: the report is incomplete: %d of the %d keys the scanners published have no "
                    + "verdict in it%n", gap.missing(), gap.published());
            System.err.flush();
            return Errors.RUN_FAILED;
        }
        return summary.failed() && !answered ? Errors.RUN_FAILED : Errors.OK;
    }
}
