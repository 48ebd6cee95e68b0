package io.keyferry.producer;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scanner against a real redis-server and a real broker: what it publishes and checkpoints. */
class ScannerIT {
    private static TestKafka kafka;
    private static TestRedis redis;
    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        kafka = TestKafka.start();
        redis = TestRedis.start();
        for (int i = 0; i < 2_500; i++) {
            redis.strings().set("job:" + i, "v");
        }
        redis.strings().set("other:1", "not matched");
    }

    @AfterAll
    static void stop() {
        redis.close();
        kafka.close();
    }

    private KafkaClients clients(String prefix) throws Exception {
        KafkaSettings s = new KafkaSettings(kafka.bootstrapServers(), prefix, 4, Map.of(), tmp);
        KafkaClients clients = new KafkaClients(s, kafka.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, s);
        }
        return clients;
    }

    private static List<KeyRef> published(KafkaClients clients, String run) {
        List<KeyRef> refs = new ArrayList<>();
        TopicReader.readAll(clients, Topics.KEYS, r -> {
            if (run.equals(Json.runOf(r.value()))) {
                try {
                    refs.addAll(Json.decodeKeyRefs(r.value()));
                } catch (BadRecordException e) {
                    throw new AssertionError(e);
                }
            }
        });
        return refs;
    }

    private static ScanConfig config(String run, int batch) {
        return new ScanConfig(run, RedisEndpoint.parse("--source", redis.uri(), false), List.of("job:*"), Set.of(), List.of(),
                0, batch, null, 0, null);
    }

    @Test
    void aScanPublishesEveryMatchingKeyInPagesAndEndsWithADoneCheckpointThatSaysWhereItsReferencesLie() throws Exception {
        KafkaClients clients = clients("sc1");
        try (RedisStore source = RedisStore.connect(RedisEndpoint.parse("--source", redis.uri(), false))) {
            ScanProgress end = new Scanner(config("r1", 1000), source, clients, Metrics.NONE).run(() -> false);
            assertTrue(end.done());
            assertEquals(2_500, end.published());
            assertFalse(end.keysFrom().isEmpty(), "where the keys topic ended when the scan began");
        }
        List<KeyRef> refs = published(clients, "r1");
        Set<String> keys = new TreeSet<>();
        refs.forEach(r -> keys.add(r.key().display()));
        assertEquals(2_500, keys.size(), "every job:* key, and other:1 not");
        assertFalse(keys.contains("other:1"));
        ScanProgress recorded = new ProgressTopic(clients).scanners("r1").values().iterator().next();
        assertTrue(recorded.done());
        assertEquals(2_500, recorded.published());
    }

    @Test
    void aScanStoppedAfterAPageResumesFromItsCheckpointAndMissesNoKey() throws Exception {
        KafkaClients clients = clients("sc2");
        try (RedisStore source = RedisStore.connect(RedisEndpoint.parse("--source", redis.uri(), false))) {
            AtomicInteger asked = new AtomicInteger();
            // stop is asked before every page: the second time, as a SIGTERM would
            ScanProgress first = new Scanner(config("r2", 300), source, clients, Metrics.NONE).run(() -> asked.incrementAndGet() > 1);
            assertFalse(first.done());
            assertTrue(first.published() > 0 && first.published() < 2_500, "stopped mid-scan: " + first.published());
            ScanProgress resumed = new Scanner(config("r2", 300), source, clients, Metrics.NONE).run(() -> false);
            assertTrue(resumed.done());
            assertEquals(first.keysFrom(), resumed.keysFrom(), "a resumed scanner keeps where its references began");
        }
        Set<String> keys = new TreeSet<>();
        published(clients, "r2").forEach(r -> keys.add(r.key().display()));
        assertEquals(2_500, keys.size(), "no key missed across the stop");
    }
}
