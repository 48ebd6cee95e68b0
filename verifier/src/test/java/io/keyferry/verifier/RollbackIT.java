package io.keyferry.verifier;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Topics;
import io.keyferry.local.EmbeddedBroker;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rollback of a followed run, from the trail a migrator and verifier leave: keys the run copied,
 * then rewrote ({@code updated}) or deleted as their source changed, against a real target.
 */
@Timeout(120)
class RollbackIT {
    private static final String RUN = "follow-run";
    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private KafkaClients clients;
    private RedisStore store;
    private TestRedis target;
    private KafkaProducer<byte[], byte[]> producer;
    private long now = System.currentTimeMillis();

    @BeforeEach
    void start() throws Exception {
        target = TestRedis.start();
        broker = EmbeddedBroker.start(dir.resolve("kafka"));
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "rb", 3, Map.of(), dir);
        clients = new KafkaClients(s, broker.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, s);
        }
        store = RedisStore.connect(RedisEndpoint.parse("--target", target.uri(), false));
        producer = clients.producer("rb-test");
    }

    @AfterEach
    void stop() {
        producer.close();
        store.close();
        broker.close();
        target.close();
    }

    private Side side(String key) {
        return store.side(RedisKey.of(key));
    }

    private void result(String key, Status status, Side written) throws Exception {
        now += 10;
        KeyResult r = new KeyResult(RUN, "alice", Mode.EXECUTE, null, RedisKey.of(key), RedisKey.of(key), written, written,
                now - 1, status, null, null, now, "t.keys/0@1", Map.of());
        AuditRecord a = new AuditRecord(r, Verdict.MATCH, null, null, now, "t.results/0@1");
        producer.send(new ProducerRecord<>(clients.topic(Topics.AUDIT), r.key().bytes(), Json.encode(a))).get();
    }

    /** The value a key held before the run, kept as the migrator keeps it before replacing it. */
    private void backup(String key, String value, long ttlMs) throws Exception {
        target.strings().set(key, value);
        byte[] dump = target.bytes().dump(key.getBytes(StandardCharsets.UTF_8));
        now += 10;
        BackupRecord b = new BackupRecord(RUN, "alice", RedisKey.of(key), RedisKey.of(key), KeyType.STRING, dump, ttlMs,
                side(key).sha256(), "y".repeat(64), now);
        producer.send(new ProducerRecord<>(clients.topic(Topics.BACKUP), b.targetKey().bytes(), Json.encode(b))).get();
    }

    private void write(String key, String value) {
        target.strings().set(key, value);
    }

    @Test
    void keysTheRunRewroteOrDeletedAsTheirSourceChangedAreRestoredDeletedOrLeftAloneByWhatTheTargetHoldsNow() throws Exception {
        // Below where the run's start found the backup topic's end: nothing of the run can lie there.
        backup("updated", "from another run", -1);
        new ProgressTopic(clients).claim(new RunStart(RUN, Mode.EXECUTE, "alice", ConflictPolicy.REPLACE_IF_DIFFERENT, now));

        backup("updated", "before the run", 600_000);
        write("updated", "first copy");
        result("updated", Status.COPIED, side("updated"));
        write("updated", "the source changed");
        result("updated", Status.UPDATED, side("updated"));

        backup("deleted", "before the run, deleted by it", -1);
        write("deleted", "first copy");
        result("deleted", Status.COPIED, side("deleted"));
        target.strings().del("deleted");
        result("deleted", Status.DELETED, Side.ABSENT);

        write("created then deleted", "first copy");
        result("created then deleted", Status.COPIED, side("created then deleted"));
        target.strings().del("created then deleted");
        result("created then deleted", Status.DELETED, Side.ABSENT);

        result("deleted, then written by the application", Status.DELETED, Side.ABSENT);
        write("deleted, then written by the application", "the application's");

        write("created then updated", "first copy");
        result("created then updated", Status.COPIED, side("created then updated"));
        write("created then updated", "second copy");
        result("created then updated", Status.UPDATED, side("created then updated"));

        write("updated, then changed by the application", "copy");
        result("updated, then changed by the application", Status.UPDATED, side("updated, then changed by the application"));
        write("updated, then changed by the application", "the application's");

        Rollback rollback = new Rollback(clients, store);
        Map<String, String> planned = new TreeMap<>();
        rollback.run(RUN, false, "ops", step -> planned.put(step.targetKey().display(), step.action().wire()
                + (step.done() ? " done" : "")));
        assertEquals(Map.of("updated", "restore", "deleted", "restore", "created then deleted", "gone",
                "deleted, then written by the application", "left_alone", "created then updated", "delete",
                "updated, then changed by the application", "left_alone"), planned);
        assertEquals("the source changed", target.strings().get("updated"), "a dry run changes nothing");
        assertNull(target.strings().get("deleted"));

        Map<String, String> done = new TreeMap<>();
        rollback.run(RUN, true, "ops", step -> done.put(step.targetKey().display(), step.action().wire()
                + (step.done() ? " done" : "")));
        assertEquals(Map.of("updated", "restore done", "deleted", "restore done", "created then deleted", "gone",
                "deleted, then written by the application", "left_alone", "created then updated", "delete done",
                "updated, then changed by the application", "left_alone"), done);
        assertEquals("before the run", target.strings().get("updated"));
        long ttl = target.strings().pttl("updated");
        assertTrue(ttl > 500_000 && ttl <= 600_000, "with the TTL it had left: " + ttl);
        assertEquals("before the run, deleted by it", target.strings().get("deleted"));
        assertEquals(-1L, target.strings().pttl("deleted"));
        assertEquals(0L, target.strings().exists("created then deleted", "created then updated"));
        assertEquals("the application's", target.strings().get("deleted, then written by the application"));
        assertEquals("the application's", target.strings().get("updated, then changed by the application"));

        RunStatus.RolledBack rolledBack = RunStatus.of(clients, RUN).rolledBack();
        assertEquals(new RunStatus.RolledBack(1, 2, 3), rolledBack, "status counts each key's latest rollback record");

        // Run again, as after a rollback stopped before its last batch was recorded: what was
        // restored is found restored, what was deleted is gone, and nothing is written.
        Map<String, String> again = new TreeMap<>();
        rollback.run(RUN, true, "ops", step -> again.put(step.targetKey().display(), step.action().wire()
                + (step.done() ? " done" : "")));
        assertEquals(Map.of("updated", "restore done", "deleted", "restore done", "created then deleted", "gone",
                "deleted, then written by the application", "left_alone", "created then updated", "gone",
                "updated, then changed by the application", "left_alone"), again);
        assertEquals("before the run", target.strings().get("updated"));
        assertEquals("before the run, deleted by it", target.strings().get("deleted"));
    }

    @Test
    void aRunWhoseOldestBackupsRetentionRemovedIsNotRolledBackForItWouldDeleteWhatItShouldRestore() throws Exception {
        try (Admin admin = clients.admin()) {
            new ProgressTopic(clients).claim(new RunStart(RUN, Mode.EXECUTE, "alice", ConflictPolicy.REPLACE_IF_DIFFERENT, now));
            backup("replaced", "before the run", -1);
            write("replaced", "copy");
            result("replaced", Status.COPIED, side("replaced"));
            var partitions = new java.util.HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete>();
            Topics.ends(admin, clients.topic(Topics.BACKUP), 30).forEach((tp, end) ->
                    partitions.put(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end)));
            admin.deleteRecords(partitions).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.keyferry.core.config.ConfigException.class,
                () -> new Rollback(clients, store).run(RUN, true, "ops", step -> { }));

        assertTrue(refused.getMessage().startsWith("--run: run " + RUN + "'s oldest records on rb.backup are gone"),
                refused.getMessage());
        assertEquals("copy", target.strings().get("replaced"), "nothing was deleted in place of a restore");
    }
}
