package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Reads a run's audit trail back: the source of reports and summaries, whoever wrote it and when. */
public final class AuditTopic {
    private final KafkaClients clients;

    public AuditTopic(KafkaClients clients) {
        this.clients = clients;
    }

    /** Every committed audit record of {@code run}, from the start of the topic to its current end. */
    public RunTally tally(String run) {
        RunTally tally = new RunTally(run);
        forEach(run, tally::add);
        return tally;
    }

    public void forEach(String run, Consumer<AuditRecord> sink) {
        forEach(run, sink, false, () -> false);
    }

    /**
     * Every audit record of {@code run} from the start; with {@code follow}, goes on delivering new
     * ones as they are committed until {@code stop} says so.
     */
    public void forEach(String run, Consumer<AuditRecord> sink, boolean follow, java.util.function.BooleanSupplier stop) {
        String topic = clients.topic(Topics.AUDIT);
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-audit-reader")) {
            List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            while (!stop.getAsBoolean() && (follow || tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() == null || !run.equals(Json.runOf(r.value()))) {
                        continue;
                    }
                    try {
                        sink.accept(Json.decodeAudit(r.value()));
                    } catch (BadRecordException e) {
                        // not ours; the audit trail is read, never judged, here
                    }
                }
            }
        }
    }
}
