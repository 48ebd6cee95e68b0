package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.redis.local.RedisProcess;
import io.lettuce.core.SetArgs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisStoreIT {
    private static RedisProcess server;
    private static RedisStore store;

    @BeforeAll
    static void start() {
        server = RedisProcess.start();
        store = RedisStore.connect(RedisEndpoint.parse("--target", server.uri(), false));
    }

    @AfterAll
    static void stop() {
        store.close();
        server.stop();
    }

    @BeforeEach
    void flush() {
        store.commands().flushall();
    }

    @Test
    void aSnapshotOfAnAbsentKeySaysSo() {
        Snapshot s = store.read(RedisKey.of("nothing"));
        assertFalse(s.exists());
        assertEquals(-2, s.ttlMs());
    }

    @Test
    void everyStructTypeIsCreatedWholeWithItsTtlAndReadBackWithTheSameHash() {
        List<KeyValue> values = List.of(
                new KeyValue.StringValue(b("{\"a\": 1}")),
                new KeyValue.HashValue(List.of(new KeyValue.Field(b("f1"), b("v1")), new KeyValue.Field(b("f2"), new byte[] {0, (byte) 0xff}))),
                new KeyValue.ListValue(List.of(b("x"), b("y"), b("x"))),
                new KeyValue.SetValue(List.of(b("m1"), b("m2"))),
                new KeyValue.ZSetValue(List.of(new KeyValue.Scored(b("a"), 1.25), new KeyValue.Scored(b("b"), Double.NEGATIVE_INFINITY))));
        for (KeyValue v : values) {
            RedisKey key = RedisKey.of("k:" + v.type().wire());
            assertTrue(store.createIfAbsent(key, v, 50_000));
            Snapshot back = store.read(key);
            assertEquals(v.type(), back.type());
            assertEquals(io.keyferry.core.hash.Canonical.sha256(v), back.side().sha256(), v.type().wire());
            assertTrue(back.ttlMs() > 49_000 && back.ttlMs() <= 50_000, "ttl " + back.ttlMs());
        }
    }

    @Test
    void aCollectionLongerThanLuasUnpackLimitIsCreatedInFull() {
        List<KeyValue.Field> fields = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            fields.add(new KeyValue.Field(b("field-" + i), b("value-" + i)));
        }
        assertTrue(store.createIfAbsent(RedisKey.of("big"), new KeyValue.HashValue(fields), -1));
        assertEquals(20_000L, store.commands().hlen(b("big")));
        assertEquals(-1, store.read(RedisKey.of("big")).ttlMs());
    }

    @Test
    void anExistingKeyIsNeverTouchedWhateverItsType() {
        store.commands().set(b("taken"), b("theirs"));
        boolean created = store.createIfAbsent(RedisKey.of("taken"),
                new KeyValue.HashValue(List.of(new KeyValue.Field(b("f"), b("v")))), 10_000);
        assertFalse(created);
        assertArrayEquals(b("theirs"), store.commands().get(b("taken")));
        assertEquals(-1L, store.commands().pttl(b("taken")));
    }

    @Test
    void underARaceWithAnApplicationExactlyOneWriterWinsEachKeyAndTheApplicationIsNeverOverwritten() throws Exception {
        int keys = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try (RedisStore app = RedisStore.connect(RedisEndpoint.parse("--target", server.uri(), false))) {
            Future<boolean[]> ours = pool.submit(() -> {
                go.await();
                boolean[] won = new boolean[keys];
                for (int i = 0; i < keys; i++) {
                    won[i] = store.createIfAbsent(RedisKey.of("race:" + i), new KeyValue.StringValue(b("ours")), -1);
                }
                return won;
            });
            Future<boolean[]> theirs = pool.submit(() -> {
                go.await();
                boolean[] won = new boolean[keys];
                for (int i = keys - 1; i >= 0; i--) {
                    won[i] = "OK".equals(app.commands().set(b("race:" + i), b("theirs"), SetArgs.Builder.nx()));
                }
                return won;
            });
            go.countDown();
            boolean[] we = ours.get();
            boolean[] they = theirs.get();
            int ourWins = 0;
            for (int i = 0; i < keys; i++) {
                assertTrue(we[i] ^ they[i], "exactly one writer created race:" + i);
                assertArrayEquals(b(we[i] ? "ours" : "theirs"), store.commands().get(b("race:" + i)), "race:" + i);
                ourWins += we[i] ? 1 : 0;
            }
            assertTrue(ourWins > 0 && ourWins < keys, "both writers won some keys: the race really happened (" + ourWins + ")");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void scanPagesCoverEveryMatchingKeyOfTheRequestedType() {
        for (int i = 0; i < 250; i++) {
            store.commands().set(b("s:" + i), b("v"));
            store.commands().sadd(b("t:" + i), b("m"));
        }
        store.commands().hset(b("s:hash"), b("f"), b("v"));
        java.util.Set<RedisKey> seen = new java.util.HashSet<>();
        String cursor = "0";
        do {
            ScanPage page = store.scan(cursor, "s:*", KeyType.STRING, 50);
            seen.addAll(page.keys());
            cursor = page.cursor();
        } while (!"0".equals(cursor));
        assertEquals(250, seen.size());
        assertFalse(seen.contains(RedisKey.of("s:hash")));
        assertNull(store.commands().get(b("nope")));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
