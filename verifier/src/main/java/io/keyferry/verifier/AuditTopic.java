package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;

import java.util.function.Consumer;

/** Reads a run's audit trail back: the source of reports and summaries, whoever wrote it and when. */
public final class AuditTopic {
    private final KafkaClients clients;

    public AuditTopic(KafkaClients clients) {
        this.clients = clients;
    }

    /** Where the run's audit records begin on each partition, as recorded when it started. */
    private java.util.Map<Integer, Long> from(String run) {
        return new io.keyferry.kafka.ProgressTopic(clients).start(run)
                .map(io.keyferry.core.model.RunStart::auditFrom).orElse(java.util.Map.of());
    }

    /** Every committed audit record of {@code run}, from the start of the topic to its current end. */
    public RunTally tally(String run) {
        RunTally tally = new RunTally(run);
        TopicReader.read(clients, Topics.AUDIT, from(run), r -> {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                tally.add(Json.decodeAudit(r.value()), r.value());
            } catch (BadRecordException e) {
                // not ours; the audit trail is read, never judged, here
            }
        }, false, () -> false);
        return tally;
    }

    public void forEach(String run, Consumer<AuditRecord> sink) {
        forEach(run, sink, false, () -> false);
    }

    /**
     * The run's audit trail as readable lines, in topic order: verdicts and rollback records
     * ({@code mismatchesOnly}: only mismatch verdicts).
     */
    public void lines(String run, boolean mismatchesOnly, Consumer<String> sink, boolean follow,
                      java.util.function.BooleanSupplier stop) {
        TopicReader.read(clients, Topics.AUDIT, from(run), r -> {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                if ("rollback".equals(Json.kindOf(r.value()))) {
                    if (!mismatchesOnly) {
                        sink.accept(io.keyferry.core.report.AuditLine.format(Json.decodeRollback(r.value())));
                    }
                    return;
                }
                AuditRecord a = Json.decodeAudit(r.value());
                if (!mismatchesOnly || a.verdict() == io.keyferry.core.model.Verdict.MISMATCH) {
                    sink.accept(io.keyferry.core.report.AuditLine.format(a));
                }
            } catch (BadRecordException e) {
                // not ours
            }
        }, follow, stop);
    }

    /**
     * Every audit record of {@code run} from its start; with {@code follow}, goes on delivering new
     * ones as they are committed until {@code stop} says so.
     */
    public void forEach(String run, Consumer<AuditRecord> sink, boolean follow, java.util.function.BooleanSupplier stop) {
        TopicReader.read(clients, Topics.AUDIT, from(run), r -> {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                sink.accept(Json.decodeAudit(r.value()));
            } catch (BadRecordException e) {
                // not ours; the audit trail is read, never judged, here
            }
        }, follow, stop);
    }
}
