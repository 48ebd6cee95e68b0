package io.keyferry.migrator;

import io.keyferry.core.rate.RateLimiter;
import io.keyferry.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Keeps the replicas of a run, together, at the run's --rps: every second each replica sets its
 * pace to its share of the run's backlog — the key-page records waiting on the keys-topic
 * partitions it owns, over those waiting on all of them. A replica with half the partitions but
 * all the remaining work goes at the full rate; one whose partitions ran dry goes at one
 * partition's share until work shows up there. Looked at every second, not on Streams' state
 * changes: a replica that only loses partitions in a cooperative rebalance need not pass through
 * a state Streams reports.
 */
final class Pacer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pacer.class);
    private static final double LOG_CHANGE = 0.05;

    private final KafkaStreams streams;
    private final String groupId;
    private final String keysTopic;
    private final double rps;
    private final RateLimiter rate;
    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keyferry-pacer");
        t.setDaemon(true);
        return t;
    });
    private double logged = -1;

    Pacer(KafkaStreams streams, KafkaClients clients, String groupId, String keysTopic, double rps, RateLimiter rate) {
        this.streams = streams;
        this.groupId = groupId;
        this.keysTopic = keysTopic;
        this.rps = rps;
        this.rate = rate;
        this.admin = clients.admin();
    }

    void start() {
        timer.scheduleWithFixedDelay(this::adjust, 1, 1, TimeUnit.SECONDS);
    }

    private void adjust() {
        try {
            if (streams.state() != KafkaStreams.State.RUNNING) {
                return;
            }
            Set<TopicPartition> mine = streams.metadataForLocalThreads().stream()
                    .flatMap(t -> t.activeTasks().stream())
                    .flatMap(t -> t.topicPartitions().stream())
                    .filter(tp -> tp.topic().equals(keysTopic)).collect(Collectors.toSet());
            if (mine.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> waiting = waiting();
            long all = waiting.values().stream().mapToLong(Long::longValue).sum();
            long ours = mine.stream().mapToLong(tp -> waiting.getOrDefault(tp, 0L)).sum();
            // Nothing waiting here while others work: one partition's share, so that work arriving
            // here before the next look cannot push the run far over --rps.
            double share = all == 0 ? (double) mine.size() / waiting.size()
                    : ours > 0 ? (double) ours / all : 1.0 / waiting.size();
            double perSecond = rps * share;
            rate.setPerSecond(perSecond);
            if (logged < 0 || Math.abs(perSecond - logged) > logged * LOG_CHANGE) {
                logged = perSecond;
                LOG.info("this replica's share of --rps {}: {} keys/s ({} of {} partitions, {} of {} pages waiting)",
                        rps, perSecond, mine.size(), waiting.size(), ours, all);
            }
        } catch (Exception e) {
            // the pace stays as it was; next second may know better
            LOG.debug("cannot work out this replica's share of --rps: {}", e.toString());
        }
    }

    /** Records on each keys-topic partition that the run's migrators have not committed past yet. */
    private Map<TopicPartition, Long> waiting() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, Long> waiting = new HashMap<>();
        io.keyferry.kafka.Topics.ends(admin, keysTopic, 10).forEach((tp, end) -> {
            OffsetAndMetadata c = committed.get(tp);
            waiting.put(tp, Math.max(0, end - (c == null ? 0 : c.offset())));
        });
        return waiting;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
