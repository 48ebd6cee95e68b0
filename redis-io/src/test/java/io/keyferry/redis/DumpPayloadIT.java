package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.Canonical;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.RedisKey;
import io.keyferry.local.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a real server puts in DUMP payloads, read in the JVM: every type in each encoding the
 * server chooses by size, each read exactly as the server's own commands read it, in their order.
 */
class DumpPayloadIT {
    private static RedisProcess server;
    private static RedisStore store;
    private static RawRedis raw;
    private static final List<String> KEYS = new ArrayList<>();

    @BeforeAll
    static void start() {
        // DEBUG, to have a list keep an element in a node of its own (a "plain" node)
        server = RedisProcess.start("--enable-debug-command", "yes");
        store = RedisStore.connect(RedisEndpoint.parse("--source", server.uri(), false));
        raw = RawRedis.connect(server.uri());
        var r = raw.commands();
        Random rnd = new Random(3);
        put("s:int", () -> r.set(b("s:int"), b("12345")));
        put("s:negative", () -> r.set(b("s:negative"), b("-7")));
        put("s:long", () -> r.set(b("s:long"), b("9223372036854775807")));
        put("s:leading-zero", () -> r.set(b("s:leading-zero"), b("007")));
        put("s:empty", () -> r.set(b("s:empty"), new byte[0]));
        put("s:compressible", () -> r.set(b("s:compressible"), b("abc".repeat(400))));
        put("s:random", () -> r.set(b("s:random"), random(rnd, 1_000)));
        put("s:json", () -> r.set(b("s:json"), b("{\"b\": [1, 2.5, \"x\"], \"a\": null}")));
        put("h:listpack", () -> r.hset(b("h:listpack"), Map.of(b("f"), b("v"), b("n"), b("42"), b("neg"), b("-3000"), b("big"), b("123456789012"))));
        put("h:long-value", () -> r.hset(b("h:long-value"), Map.of(b("f"), b("x".repeat(100)), b("g"), b("1"))));
        put("h:many", () -> {
            for (int i = 0; i < 600; i++) { // past the 512 fields a listpack holds
                r.hset(b("h:many"), b("field" + i), b("value" + i));
            }
        });
        put("set:intset", () -> r.sadd(b("set:intset"), b("3"), b("-1"), b("2")));
        put("set:intset64", () -> r.sadd(b("set:intset64"), b("9223372036854775807"), b("-9223372036854775808"), b("0")));
        put("set:strings", () -> r.sadd(b("set:strings"), b("a"), b("bb"), b("12"), b("ccc")));
        put("set:many-ints", () -> {
            for (int i = 0; i < 600; i++) {
                r.sadd(b("set:many-ints"), b(Integer.toString(i * 7)));
            }
        });
        put("z:listpack", () -> r.zadd(b("z:listpack"), 1.5, b("a"), 2.0, b("b"), -0.25, b("c"), Double.POSITIVE_INFINITY, b("d")));
        put("z:skiplist", () -> {
            for (int i = 0; i < 200; i++) {
                r.zadd(b("z:skiplist"), i % 17 / 3.0, b("member" + i)); // ties: ordered by member
            }
        });
        put("l:small", () -> r.rpush(b("l:small"), b("a"), b("1"), b("-20"), b("x".repeat(70))));
        put("l:nodes", () -> {
            for (int i = 0; i < 5_000; i++) {
                r.rpush(b("l:nodes"), b("element-" + i));
            }
        });
        put("l:plain-node", () -> {
            r.dispatch(io.lettuce.core.protocol.CommandType.DEBUG, new io.lettuce.core.output.StatusOutput<>(
                    io.lettuce.core.codec.ByteArrayCodec.INSTANCE), new io.lettuce.core.protocol.CommandArgs<>(
                    io.lettuce.core.codec.ByteArrayCodec.INSTANCE).add("QUICKLIST-PACKED-THRESHOLD").add("100"));
            r.rpush(b("l:plain-node"), b("small"), b("y".repeat(500)), b("small again"));
        });
    }

    private static void put(String key, Runnable write) {
        write.run();
        KEYS.add(key);
    }

    @AfterAll
    static void stop() {
        raw.close();
        store.close();
        server.stop();
    }

    @Test
    void everyTypeAndEncodingReadsFromItsPayloadAsTheServerReadsIt() {
        for (String k : KEYS) {
            DumpSnapshot whole = store.readDump(RedisKey.of(k));
            KeyValue fromPayload = DumpPayload.value(whole.payload());
            assertNotNull(fromPayload, k + ": " + raw.commands().objectEncoding(b(k)));
            assertEquals(whole.snapshot().type(), fromPayload.type(), k);
            assertTrue(KeyValue.sameBytes(whole.snapshot().value(), fromPayload), k + ": in the server's order");
            assertEquals(Canonical.side(whole.snapshot().value(), -1).sha256(), Canonical.side(fromPayload, -1).sha256(), k);
        }
        assertEquals("quicklist", raw.commands().objectEncoding(b("l:nodes")));
        assertEquals("hashtable", raw.commands().objectEncoding(b("h:many")));
        assertEquals("skiplist", raw.commands().objectEncoding(b("z:skiplist")));
        assertEquals("intset", raw.commands().objectEncoding(b("set:intset64")));
    }

    @Test
    void aBatchedDumpReadGivesWhatTheWholeReadGivesAStreamAndABigKeyIncluded() {
        var r = raw.commands();
        r.xadd(b("stream"), Map.of(b("f"), b("v")));
        assertNull(DumpPayload.value(r.dump(b("stream"))), "a stream is not read from its payload");
        List<RedisKey> keys = new ArrayList<>();
        KEYS.forEach(k -> keys.add(RedisKey.of(k)));
        keys.add(RedisKey.of("stream"));
        keys.add(RedisKey.of("missing"));
        List<CompletableFuture<DumpSnapshot>> batched = store.readDumpAllAsync(keys);
        store.flush();
        for (int i = 0; i < keys.size(); i++) {
            DumpSnapshot one = store.readDump(keys.get(i));
            DumpSnapshot many = batched.get(i).join();
            String k = keys.get(i).toString();
            assertEquals(one.snapshot().type(), many.snapshot().type(), k);
            assertArrayEquals(one.payload(), many.payload(), k);
            assertTrue(one.snapshot().value() == null ? many.snapshot().value() == null
                    : KeyValue.sameBytes(one.snapshot().value(), many.snapshot().value()), k);
        }
        try (RedisStore small = RedisStore.connect(RedisEndpoint.parse("--source", server.uri(), false), new Chunking(50, 100, 10, 10))) {
            List<CompletableFuture<DumpSnapshot>> big = small.readDumpAllAsync(List.of(RedisKey.of("h:many"), RedisKey.of("s:random")));
            small.flush();
            assertTrue(big.get(0).join().snapshot().big());
            assertNull(big.get(0).join().payload(), "a big key's payload is not read whole");
            assertTrue(big.get(1).join().snapshot().big());
        }
    }

    private static byte[] random(Random rnd, int n) {
        byte[] v = new byte[n];
        rnd.nextBytes(v);
        return v;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
