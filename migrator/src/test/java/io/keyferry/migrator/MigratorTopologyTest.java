package io.keyferry.migrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigratorTopologyTest {
    private static final String KEYS = "kf.keys";
    private static final String RESULTS = "kf.results";
    private static final String DLQ = "kf.dlq";
    private static final String RUN = "run-1";

    private final List<String> offsetsSeen = new ArrayList<>();
    private final List<KeyRef> refsSeen = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> keys;
    private TestOutputTopic<byte[], byte[]> results;
    private TestOutputTopic<byte[], byte[]> dlq;
    private int deadLetters;

    /** A fake migrator: says every key was copied to "new:" + key, and remembers what it was given. */
    private KeyResult migrate(KeyRef ref, String keyOffset) {
        refsSeen.add(ref);
        offsetsSeen.add(keyOffset);
        byte[] target = concat("new:".getBytes(StandardCharsets.UTF_8), ref.key().bytes());
        Side side = new Side(KeyType.STRING, 3, "c".repeat(64), -1);
        return new KeyResult(ref.run(), "alice", Mode.EXECUTE, ref.workspace(), ref.key(), RedisKey.of(target), side, side,
                1, Status.COPIED, null, null, 2, keyOffset);
    }

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "keyferry-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(MigratorTopology.build(KEYS, RESULTS, DLQ, RUN, this::migrate, new io.keyferry.core.metrics.Metrics() {
            @Override
            public void deadLetter() {
                deadLetters++;
            }
        }), props);
        keys = driver.createInputTopic(KEYS, new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(RESULTS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private static byte[] ref(String run, RedisKey key) {
        return Json.encode(new KeyRef(run, key, null, "scanner-a", 1));
    }

    @Test
    void keyReferenceOfTheRunProducesExactlyOneResult() throws Exception {
        keys.pipeInput("job:1".getBytes(StandardCharsets.UTF_8), ref(RUN, RedisKey.of("job:1")));

        List<TestRecord<byte[], byte[]>> out = results.readRecordsToList();
        assertEquals(1, out.size());
        KeyResult r = Json.decodeResult(out.get(0).value());
        assertEquals(RUN, r.run());
        assertEquals(RedisKey.of("job:1"), r.key());
        assertEquals(RedisKey.of("new:job:1"), r.targetKey());
        assertEquals(Status.COPIED, r.status());
        assertTrue(dlq.isEmpty());
    }

    @Test
    void aPageOfReferencesGivesOneResultPerKeyInOrderEachKeyedByItsSourceKey() throws Exception {
        List<RedisKey> page = List.of(RedisKey.of("job:1"), RedisKey.of(new byte[] {(byte) 0xff, 0}), RedisKey.of("job:3"));
        keys.pipeInput("job:1".getBytes(StandardCharsets.UTF_8), Json.encodePage(RUN, "ws-2", "scanner-a", 40, page));

        assertEquals(List.of(new KeyRef(RUN, page.get(0), "ws-2", "scanner-a", 40), new KeyRef(RUN, page.get(1), "ws-2", "scanner-a", 41),
                new KeyRef(RUN, page.get(2), "ws-2", "scanner-a", 42)), refsSeen);
        List<TestRecord<byte[], byte[]>> out = results.readRecordsToList();
        assertEquals(3, out.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(page.get(i).bytes(), out.get(i).key());
            assertEquals(page.get(i), Json.decodeResult(out.get(i).value()).key());
        }
        assertTrue(dlq.isEmpty());
    }

    @Test
    void aPageWithoutKeysGoesToTheDeadLetterTopic() {
        keys.pipeInput(new byte[] {1}, ("{\"v\":1,\"record\":\"keypage\",\"run\":\"" + RUN
                + "\",\"scanner\":\"s\",\"keys\":[]}").getBytes(StandardCharsets.UTF_8));
        assertTrue(results.isEmpty());
        assertEquals(1, dlq.getQueueSize());
    }

    @Test
    void migratorIsGivenTheDecodedReference() {
        keys.pipeInput(new byte[] {1}, Json.encode(new KeyRef(RUN, RedisKey.of("job:9"), "ws-4", "scanner-b", 77)));
        assertEquals(List.of(new KeyRef(RUN, RedisKey.of("job:9"), "ws-4", "scanner-b", 77)), refsSeen);
    }

    @Test
    void resultCarriesTheOffsetOfItsKeyReference() throws Exception {
        keys.pipeInput("a".getBytes(StandardCharsets.UTF_8), ref(RUN, RedisKey.of("a")));
        keys.pipeInput("b".getBytes(StandardCharsets.UTF_8), ref(RUN, RedisKey.of("b")));

        assertEquals(List.of(KEYS + "/0@0", KEYS + "/0@1"), offsetsSeen);
        List<TestRecord<byte[], byte[]>> out = results.readRecordsToList();
        assertEquals(2, out.size());
        assertEquals(KEYS + "/0@0", Json.decodeResult(out.get(0).value()).keyOffset());
        assertEquals(KEYS + "/0@1", Json.decodeResult(out.get(1).value()).keyOffset());
    }

    @Test
    void referenceOfAnotherRunProducesNothing() {
        keys.pipeInput("job:1".getBytes(StandardCharsets.UTF_8), ref("run-2", RedisKey.of("job:1")));
        assertTrue(results.isEmpty());
        assertTrue(dlq.isEmpty());
        assertTrue(refsSeen.isEmpty(), "another run's key must not be migrated");
    }

    @Test
    void recordThatIsNotJsonGoesToTheDeadLetterTopicWithAReason() throws Exception {
        byte[] key = "junk-key".getBytes(StandardCharsets.UTF_8);
        keys.pipeInput(key, "this is not json".getBytes(StandardCharsets.UTF_8));

        assertTrue(results.isEmpty());
        assertTrue(refsSeen.isEmpty());
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertArrayEquals(key, dead.key());
        JsonNode n = new ObjectMapper().readTree(dead.value());
        assertEquals("dead_letter", n.get("record").asText());
        assertFalse(n.get("reason").asText().isBlank());
        assertEquals(KEYS + "/0@0", n.get("from").asText());
        assertTrue(dlq.isEmpty());
        assertEquals(1, deadLetters, "each dead letter is counted");
    }

    @Test
    void emptyRecordGoesToTheDeadLetterTopic() throws Exception {
        keys.pipeInput(new byte[] {9}, new byte[0]);
        assertTrue(results.isEmpty());
        JsonNode n = new ObjectMapper().readTree(dlq.readValue());
        assertFalse(n.get("reason").asText().isBlank());
    }

    @Test
    void tombstoneGoesToTheDeadLetterTopic() {
        keys.pipeInput(new byte[] {9}, (byte[]) null);
        assertTrue(results.isEmpty());
        assertEquals(1, dlq.getQueueSize());
    }

    @Test
    void recordOfAnotherKindGoesToTheDeadLetterTopic() {
        KeyResult foreign = migrate(new KeyRef(RUN, RedisKey.of("x"), null, "s", 1), "t/0@0");
        refsSeen.clear();
        keys.pipeInput(new byte[] {1}, Json.encode(foreign));
        assertTrue(results.isEmpty());
        assertTrue(refsSeen.isEmpty());
        assertEquals(1, dlq.getQueueSize());
    }

    @Test
    void badRecordDoesNotStopTheStream() throws Exception {
        keys.pipeInput(new byte[] {1}, "{".getBytes(StandardCharsets.UTF_8));
        keys.pipeInput(new byte[] {2}, ref(RUN, RedisKey.of("after")));
        assertEquals(1, dlq.getQueueSize());
        KeyResult r = Json.decodeResult(results.readValue());
        assertEquals(RedisKey.of("after"), r.key());
        assertEquals(KEYS + "/0@1", r.keyOffset());
    }

    @Test
    void binaryKeyBytesArePreservedAndKeyTheResult() throws Exception {
        byte[] redisKey = {(byte) 0xff, (byte) 0xfe, 0x00, 0x0a};
        byte[] recordKey = {(byte) 0x80, 0x00, (byte) 0xff, ':'};
        keys.pipeInput(recordKey, ref(RUN, RedisKey.of(redisKey)));

        TestRecord<byte[], byte[]> out = results.readRecord();
        assertArrayEquals(redisKey, out.key());
        KeyResult r = Json.decodeResult(out.value());
        assertArrayEquals(redisKey, r.key().bytes());
        assertArrayEquals(concat("new:".getBytes(StandardCharsets.UTF_8), redisKey), r.targetKey().bytes());
    }

    @Test
    void eachReferenceOfTheRunGetsItsOwnResultAmongOtherRuns() throws Exception {
        keys.pipeInput(new byte[] {1}, ref(RUN, RedisKey.of("a")));
        keys.pipeInput(new byte[] {2}, ref("other", RedisKey.of("b")));
        keys.pipeInput(new byte[] {3}, ref(RUN, RedisKey.of("c")));
        List<TestRecord<byte[], byte[]>> out = results.readRecordsToList();
        assertEquals(2, out.size());
        assertEquals(RedisKey.of("a"), Json.decodeResult(out.get(0).value()).key());
        assertEquals(RedisKey.of("c"), Json.decodeResult(out.get(1).value()).key());
        assertArrayEquals(new byte[] {'c'}, out.get(1).key());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
