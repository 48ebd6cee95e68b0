package io.keyferry.verifier;

import io.keyferry.core.model.ScanProgress;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Knows when a run is complete, from Kafka's own bookkeeping rather than from counting keys
 * (counts break on the duplicates a resume may publish): every scanner has written its end
 * record; the migrator has committed past the last reference each scanner published; and the
 * verifier has committed past every result that existed at that moment (the high watermark).
 */
public final class Completion implements AutoCloseable {
    private final KafkaClients clients;
    private final String run;
    private final ProgressTopic.Follower progress;

    public Completion(KafkaClients clients, String run) {
        this.clients = clients;
        this.run = run;
        this.progress = new ProgressTopic(clients).follow(run);
    }

    /** The scanners of the run as last recorded. */
    public Map<String, ScanProgress> scanners() {
        return progress.now().scanners();
    }

    /** When the run was found complete, as recorded; null while it is not. */
    public io.keyferry.core.model.RunEnd end() {
        return progress.now().end();
    }

    /** The latest cut-over asked of the run (a {@code --follow} run), or null. */
    public io.keyferry.core.model.Cutover.Request cutover() {
        return progress.now().cutover();
    }

    /** Where the run's results begin on each partition, as its start record says; empty before it started. */
    public Map<Integer, Long> resultsFrom() {
        io.keyferry.core.model.RunStart start = progress.now().start();
        return start == null ? Map.of() : start.resultsFrom();
    }

    @Override
    public void close() {
        progress.close();
    }

    /** Key references the run's scanners (and re-queued passes) have published so far. */
    public long scanned() {
        return published(scanners());
    }

    static long published(Map<String, ScanProgress> scanners) {
        return scanners.values().stream().mapToLong(ScanProgress::published).sum();
    }

    /**
     * The results topic's end offsets once every key reference of the run has its result
     * committed, or null while the scan or the migrator is still going.
     */
    public Map<TopicPartition, Long> resultsEndOnceMigrated(Admin admin) throws Exception {
        Map<String, ScanProgress> scanners = scanners();
        if (scanners.isEmpty() || scanners.values().stream().anyMatch(s -> !s.done())) {
            return null;
        }
        Map<Integer, Long> last = new HashMap<>();
        scanners.values().forEach(s -> s.lastOffsets().forEach((p, o) -> last.merge(p, o, Math::max)));
        if (!last.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, clients.migratorApplicationId(run));
            String keys = clients.topic(Topics.KEYS);
            for (Map.Entry<Integer, Long> e : last.entrySet()) {
                OffsetAndMetadata c = committed.get(new TopicPartition(keys, e.getKey()));
                if (c == null || c.offset() <= e.getValue()) {
                    return null;
                }
            }
        }
        // The high watermark, not the last stable offset: a migrator killed mid-transaction leaves
        // it open until it times out, holding the LSO back below results written after it. A
        // read_committed verifier can only pass the high watermark once every transaction below it
        // is resolved, so reaching it proves every result of the run has been seen.
        return Topics.ends(admin, clients.topic(Topics.RESULTS), 30);
    }

    /** True once the verifier group has committed at least {@code end} on every partition. */
    public boolean verifiedUpTo(Admin admin, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, clients.verifierGroupId(run));
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (e.getValue() == 0) {
                continue;
            }
            OffsetAndMetadata c = committed.get(e.getKey());
            if (c == null || c.offset() < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }
}
