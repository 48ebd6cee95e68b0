package io.keyferry.kafka;

import io.keyferry.core.config.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The run's topics: names, shapes, and their creation. */
public final class Topics {
    public static final String KEYS = "keys";
    public static final String RESULTS = "results";
    public static final String AUDIT = "audit";
    public static final String PROGRESS = "progress";
    public static final String BACKUP = "backup";
    public static final String DLQ = "dlq";

    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private Topics() {
    }

    /**
     * Creates whichever of the run's topics are missing, then waits until every partition of
     * every one of them answers a latest-offset query. That wait is the guard against
     * KAFKA-15591, where the first batch produced right after creation can be lost silently.
     */
    public static void ensure(Admin admin, KafkaSettings s) {
        try {
            short rf = replicas(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            Map<String, String> durable = durability(rf);
            List<NewTopic> wanted = new ArrayList<>();
            wanted.add(new NewTopic(s.topic(KEYS), s.partitions(), rf).configs(durable));
            wanted.add(new NewTopic(s.topic(RESULTS), s.partitions(), rf).configs(durable));
            // Kept until ops delete them: the audit trail is what rollback undoes and the record of
            // who changed what, and the backups are the only copy of values the runs replaced.
            Map<String, String> kept = new HashMap<>(durable);
            kept.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
            wanted.add(new NewTopic(s.topic(AUDIT), s.partitions(), rf).configs(kept));
            wanted.add(new NewTopic(s.topic(BACKUP), s.partitions(), rf).configs(kept));
            wanted.add(new NewTopic(s.topic(DLQ), 1, rf).configs(durable));
            // Compacted: the latest checkpoint per scanner is all a resume needs.
            Map<String, String> compacted = new HashMap<>(durable);
            compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            wanted.add(new NewTopic(s.topic(PROGRESS), 1, rf).configs(compacted));
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                // One request for all of them; each topic's outcome is its own (another process may
                // have created one meanwhile).
                Map<String, org.apache.kafka.common.KafkaFuture<Void>> created = admin.createTopics(missing).values();
                for (NewTopic t : missing) {
                    try {
                        created.get(t.name()).get(30, TimeUnit.SECONDS);
                        LOG.info("created topic {} ({} partitions)", t.name(), t.numPartitions());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
            awaitReady(admin, wanted.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            throw new KafkaUnavailableException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KafkaUnavailableException("Kafka did not answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted while creating topics", e);
        }
    }

    /** Replicas of each partition on a cluster of {@code brokers}: three where there are three brokers or more. */
    public static short replicas(int brokers) {
        return (short) Math.min(3, Math.max(1, brokers));
    }

    /**
     * Topic settings for {@code replicas} replicas: with three, a write (every producer of
     * keyferry's asks {@code acks=all}) is acknowledged only once two replicas hold it, so losing
     * one broker loses no acknowledged key reference, result, verdict or backup. A broker's
     * default {@code min.insync.replicas} is 1.
     */
    public static Map<String, String> durability(short replicas) {
        return replicas >= 3 ? Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2") : Map.of();
    }

    /**
     * Where each partition of {@code topic} (the full name) ends now: its high watermark, records
     * of open transactions included.
     */
    public static Map<TopicPartition, Long> ends(Admin admin, String topic, long timeoutSeconds) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutSeconds, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get(timeoutSeconds, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
        return end;
    }

    /** Retries latest-offset queries on every partition until all answer (bounded). */
    public static void awaitReady(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> q = new HashMap<>();
                d.values().forEach(td -> td.partitions().forEach(p ->
                        q.put(new TopicPartition(td.name(), p.partition()), OffsetSpec.latest())));
                admin.listOffsets(q).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new KafkaUnavailableException("topics " + topics + " did not become ready: " + last, last);
    }
}
