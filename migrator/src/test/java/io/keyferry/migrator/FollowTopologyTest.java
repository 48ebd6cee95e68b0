package io.keyferry.migrator;

import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The follow topology with a fake migrator over a map "source" and "target": what a key's result
 * leaves on the target is kept in the state store, and a key the run owns is handed to
 * {@link KeyMigrator#follow} with what the run last wrote.
 */
class FollowTopologyTest {
    private static final String KEYS = "kf.keys";
    private static final String RUN = "run-1";

    private final Map<String, String> source = new HashMap<>();
    private final Map<String, String> target = new HashMap<>();
    private final List<Owned.Entry> ownedSeen = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> keys;
    private TestOutputTopic<byte[], byte[]> results;

    private static Side side(String value) {
        return value == null ? Side.ABSENT : new Side(KeyType.STRING, value.length(), sha(value), -1);
    }

    private static String sha(String value) {
        return String.format("%64s", Integer.toHexString(value.hashCode())).replace(' ', '0');
    }

    private KeyResult result(KeyRef ref, Status status) {
        String key = ref.key().toString();
        return new KeyResult(RUN, "alice", Mode.EXECUTE, null, ref.key(), RedisKey.of("new:" + key), side(source.get(key)),
                side(target.get("new:" + key)), 1, status, null, null, 2, "kf.keys/0@1");
    }

    /** Creates the target when absent (copied), else leaves it (already_match or conflict_skipped). */
    private final KeyMigrator fake = new KeyMigrator() {
        @Override
        public KeyResult migrate(KeyRef ref, String keyOffset) {
            String key = ref.key().toString();
            String v = source.get(key);
            if (v == null) {
                return result(ref, Status.SOURCE_MISSING);
            }
            String t = target.get("new:" + key);
            if (t == null) {
                target.put("new:" + key, v);
                return result(ref, Status.COPIED);
            }
            return result(ref, t.equals(v) ? Status.ALREADY_MATCH : Status.CONFLICT_SKIPPED);
        }

        @Override
        public KeyResult follow(KeyRef ref, String keyOffset, Owned owned) {
            Owned.Entry mine = owned.get(ref.key());
            ownedSeen.add(mine);
            String key = ref.key().toString();
            String v = source.get(key);
            KeyResult r;
            if (v == null) {
                target.remove("new:" + key);
                r = result(ref, Status.DELETED);
            } else {
                target.put("new:" + key, v);
                r = result(ref, Status.UPDATED);
            }
            Owned.record(owned, ref, r, mine != null);
            return r;
        }
    };

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "keyferry-follow-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(MigratorTopology.build(KEYS, "kf.results", "kf.dlq", RUN, fake,
                new io.keyferry.core.metrics.Metrics() { }, true), props);
        keys = driver.createInputTopic(KEYS, new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic("kf.results", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private Status send(String... keyNames) throws Exception {
        List<RedisKey> page = java.util.Arrays.stream(keyNames).map(RedisKey::of).toList();
        keys.pipeInput(keyNames[0].getBytes(StandardCharsets.UTF_8), Json.encodePage(RUN, null, "follow", 1, page));
        Status last = null;
        for (var r : results.readValuesToList()) {
            last = Json.decodeResult(r).status();
        }
        return last;
    }

    private Owned.Entry stored(String key) {
        KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(MigratorTopology.OWNED_STORE);
        byte[] v = store.get(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)));
        return v == null ? null : Owned.Entry.of(v);
    }

    @Test
    void aKeyTheRunCopiedIsOwnedWithTheHashItLeftAndItsChangesAreFollowed() throws Exception {
        source.put("job:1", "a");
        assertEquals(Status.COPIED, send("job:1"));
        assertEquals(new Owned.Entry(RedisKey.of("new:job:1"), sha("a"), Status.COPIED), stored("job:1"));

        source.put("job:1", "b");
        assertEquals(Status.UPDATED, send("job:1"));
        assertEquals(List.of(new Owned.Entry(RedisKey.of("new:job:1"), sha("a"), Status.COPIED)), ownedSeen);
        assertEquals(sha("b"), stored("job:1").sha256());

        source.remove("job:1");
        assertEquals(Status.DELETED, send("job:1"));
        assertEquals(new Owned.Entry(RedisKey.of("new:job:1"), Owned.GONE, Status.DELETED), stored("job:1"));
        assertNull(target.get("new:job:1"));
    }

    @Test
    void aTargetHeldBeforeTheRunThatDiffersIsNotOwnedAndFollowsThePolicy() throws Exception {
        source.put("job:2", "mine");
        target.put("new:job:2", "someone else's");
        assertEquals(Status.CONFLICT_SKIPPED, send("job:2"));
        assertNull(stored("job:2"));
        source.put("job:2", "changed");
        assertEquals(Status.CONFLICT_SKIPPED, send("job:2"));
        assertEquals("someone else's", target.get("new:job:2"));
        assertEquals(List.of(), ownedSeen);
    }

    @Test
    void aPageHandsOwnedKeysToFollowAndCopiesTheRestInOrder() throws Exception {
        source.put("job:1", "a");
        send("job:1");
        source.put("job:1", "a2");
        source.put("job:3", "c");
        keys.pipeInput("job:3".getBytes(StandardCharsets.UTF_8),
                Json.encodePage(RUN, null, "pass-1", 1, List.of(RedisKey.of("job:3"), RedisKey.of("job:1"))));
        List<KeyResult> out = new ArrayList<>();
        for (var r : results.readValuesToList()) {
            out.add(Json.decodeResult(r));
        }
        assertEquals(List.of(RedisKey.of("job:3"), RedisKey.of("job:1")), out.stream().map(KeyResult::key).toList());
        assertEquals(List.of(Status.COPIED, Status.UPDATED), out.stream().map(KeyResult::status).toList());
        assertNotNull(stored("job:3"));
    }
}
