package io.keyferry.kafka;

import io.keyferry.local.EmbeddedBroker;
import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.model.ScanProgress;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTopicIT {
    @TempDir
    Path dir;

    private static ScanProgress checkpoint(String run, String scanner, long published, boolean done) {
        return new ScanProgress(run, scanner, null, Map.of("match", done ? "0" : "17"), published, done, Map.of(0, published),
                System.currentTimeMillis());
    }

    @Test
    void aFollowerSeesEachScannersLatestCheckpointOfItsRunAsTheyAreWrittenAndNothingOfOtherRuns() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"))) {
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "pt", 2, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
                Topics.awaitReady(admin, List.of(clients.topic(Topics.PROGRESS)));
            }
            ProgressTopic topic = new ProgressTopic(clients);
            try (var producer = clients.producer("pt-test"); ProgressTopic.Follower follower = topic.follow("r1")) {
                assertTrue(follower.now().scanners().isEmpty());
                topic.write(producer, checkpoint("r1", "a", 100, false));
                topic.write(producer, checkpoint("r2", "a", 999, true));
                assertEquals(100, follower.now().scanners().get("a").published());
                assertEquals(1, follower.now().scanners().size(), "only run r1's scanners");

                topic.write(producer, checkpoint("r1", "a", 250, true));
                topic.write(producer, checkpoint("r1", "b", 40, false));
                Map<String, ScanProgress> now = follower.now().scanners();
                assertEquals(250, now.get("a").published());
                assertTrue(now.get("a").done());
                assertFalse(now.get("b").done());
                assertEquals(now, topic.scanners("r1"), "what a reader from the start finds");
            }
        }
    }

    /**
     * The verifier records re-queued keys as a scanner's checkpoint in the same transaction as its
     * verdicts. A completion check that read the topic while that transaction's marker was still
     * on its way would miss the checkpoint and call the run complete before the re-queued keys
     * were migrated: a reader waits for the transaction and sees the checkpoint.
     */
    @Test
    void aCheckpointInATransactionStillOpenWhenTheReadStartsIsSeenOnceItCommits() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"))) {
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "ptx", 2, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
            }
            ProgressTopic topic = new ProgressTopic(clients);
            try (var producer = clients.producer("ptx-test"); var tx = clients.transactionalProducer("ptx-tx", "ptx-tx");
                 ProgressTopic.Follower follower = topic.follow("r1")) {
                topic.write(producer, checkpoint("r1", "a", 100, true));
                assertEquals(1, follower.now().scanners().size());
                tx.initTransactions();
                tx.beginTransaction();
                topic.write(tx, checkpoint("r1", "requeue", 3, true));

                var seen = java.util.concurrent.CompletableFuture.supplyAsync(() -> follower.now().scanners());
                var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> topic.scanners("r1"));
                org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.TimeoutException.class,
                        () -> seen.get(1_500, java.util.concurrent.TimeUnit.MILLISECONDS),
                        "a follower answered while a transaction below the end was open");
                assertFalse(read.isDone(), "a reader answered while a transaction below the end was open");
                tx.commitTransaction();
                assertEquals(java.util.Set.of("a", "requeue"), seen.get(60, java.util.concurrent.TimeUnit.SECONDS).keySet());
                assertEquals(java.util.Set.of("a", "requeue"), read.get(60, java.util.concurrent.TimeUnit.SECONDS).keySet());
            }
        }
    }
}
