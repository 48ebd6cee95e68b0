package io.keyferry.migrator;

import io.keyferry.core.model.ScanProgress;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Where a new run's migrators begin on the keys topic: where the run's references begin, not at
 * the topic's start, so a run does not read through every earlier run's references first (its
 * start would grow with the history the topic keeps).
 *
 * <p>Set once, as the migrator group's committed offsets, before the group has any: the topic's end
 * as of now, lowered to where each scanner of the run that has begun says its references begin. A
 * scanner records that (its {@code keysFrom}) before it publishes anything, so a scanner not seen
 * here publishes only after the end measured first. A group that has offsets (a resume, another
 * replica) is left as it is; where this cannot be done the group reads from the topic's start,
 * slower and as correct.
 */
final class KeysStart {
    private static final Logger LOG = LoggerFactory.getLogger(KeysStart.class);

    private KeysStart() {
    }

    static void setIfNew(KafkaClients clients, String group, String run) {
        String topic = clients.topic(Topics.KEYS);
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            if (committed.values().stream().anyMatch(java.util.Objects::nonNull)) {
                return;
            }
            Map<TopicPartition, Long> start = new HashMap<>(Topics.ends(admin, topic, 30));
            var from = ScanProgress.referencesFrom(new ProgressTopic(clients).scanners(run).values());
            if (from.isEmpty()) {
                LOG.info("run {}: a scanner does not say where its references begin; reading the keys topic from its start", run);
                return;
            }
            from.get().forEach((p, o) -> start.computeIfPresent(new TopicPartition(topic, p), (tp, e) -> Math.min(e, o)));
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            start.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
            admin.alterConsumerGroupOffsets(group, offsets).all().get(30, TimeUnit.SECONDS);
            LOG.debug("run {}: migrators begin on the keys topic at {}", run, offsets);
        } catch (ExecutionException e) {
            // another replica joined first: the group's own offsets hold
            LOG.debug("run {}: the migrator group's start left to it: {}", run, e.getCause().toString());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.info("run {}: reading the keys topic from its start ({})", run, e.toString());
        }
    }
}
