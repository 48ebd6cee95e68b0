package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.local.RedisProcess;
import io.lettuce.core.XAddArgs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many keys read, or created, in one script call: each key gets exactly what a call of its own
 * would give it, and a key's failure is its own.
 */
class BatchedReadsIT {
    private static final Chunking SMALL = new Chunking(50, 1_000, 7, 100);
    private static RedisProcess server;
    private static RedisStore store;
    private static RawRedis raw;

    @BeforeAll
    static void start() {
        server = RedisProcess.start();
        store = RedisStore.connect(RedisEndpoint.parse("--source", server.uri(), false), SMALL);
        raw = RawRedis.connect(server.uri());
    }

    @AfterAll
    static void stop() {
        raw.close();
        store.close();
        server.stop();
    }

    @BeforeEach
    void flush() {
        raw.commands().flushall();
    }

    @Test
    void eachKeyOfSeveralBatchesGetsWhatItsOwnReadGetsInOrder() {
        List<RedisKey> keys = new ArrayList<>();
        for (int i = 0; i < 2 * Scripts.BATCH + 37; i++) {
            String k = "k" + i;
            switch (i % 7) {
                case 0 -> raw.commands().set(b(k), b("{\"i\":" + i + "}"));
                case 1 -> raw.commands().hset(b(k), Map.of(b("f"), b("v" + i), b("g"), b("w")));
                case 2 -> raw.commands().rpush(b(k), b("a"), b("b" + i));
                case 3 -> raw.commands().sadd(b(k), b("m" + i), b("n"));
                case 4 -> raw.commands().zadd(b(k), i, b("z"));
                case 5 -> raw.commands().xadd(b(k), new XAddArgs().id(i + 1 + "-0"), Map.of(b("f"), b("v")));
                default -> { } // missing
            }
            if (i % 5 == 0) {
                raw.commands().pexpire(b(k), 60_000);
            }
            keys.add(RedisKey.of(k));
        }
        raw.commands().set(b("big"), b("x".repeat(5_000))); // over SMALL's string limit
        keys.add(RedisKey.of("big"));

        List<CompletableFuture<Snapshot>> all = store.readAllAsync(keys);
        store.flush();
        assertEquals(keys.size(), all.size());
        for (int i = 0; i < keys.size(); i++) {
            Snapshot many = all.get(i).join();
            Snapshot one = store.read(keys.get(i));
            String k = keys.get(i).toString();
            assertEquals(one.type(), many.type(), k);
            assertEquals(one.big(), many.big(), k);
            assertTrue(one.value() == null ? many.value() == null : KeyValue.sameBytes(one.value(), many.value()), k);
            assertTrue(Math.abs(one.ttlMs() - many.ttlMs()) < 5_000, k + ": " + one.ttlMs() + " / " + many.ttlMs());
        }
        assertTrue(all.get(keys.size() - 1).join().big());
    }

    @Test
    void aKeyLeftOutIsNotReadAndTheOthersKeepTheirPlaces() {
        raw.commands().set(b("a"), b("1"));
        raw.commands().set(b("c"), b("3"));
        List<CompletableFuture<Snapshot>> all = store.readAllAsync(java.util.Arrays.asList(RedisKey.of("a"), null, RedisKey.of("c")));
        store.flush();
        assertEquals(3, all.size());
        assertEquals(null, all.get(1));
        assertArrayEquals(b("1"), ((KeyValue.StringValue) all.get(0).join().value()).value());
        assertArrayEquals(b("3"), ((KeyValue.StringValue) all.get(2).join().value()).value());
    }

    @Test
    void aBatchedDumpReadGivesEachKeyItsOwnPayload() {
        List<RedisKey> keys = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            raw.commands().set(b("d" + i), b("value " + i));
            keys.add(RedisKey.of("d" + i));
        }
        List<CompletableFuture<DumpSnapshot>> all = store.readDumpAllAsync(keys);
        store.flush();
        for (int i = 0; i < keys.size(); i++) {
            assertArrayEquals(store.readDump(keys.get(i)).payload(), all.get(i).join().payload(), keys.get(i).toString());
        }
    }

    @Test
    void threadsSendingPagesAtTheSameTimeEachGetEveryReplyOfTheirOwnPagesPromptly() throws Exception {
        int threads = 4;
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < 40; i++) {
                raw.commands().set(b("t" + t + ":" + i), b("v" + t + ":" + i));
            }
        }
        List<Thread> running = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    List<RedisKey> keys = new ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        keys.add(RedisKey.of("t" + me + ":" + i));
                    }
                    for (int page = 0; page < 300; page++) {
                        List<CompletableFuture<Snapshot>> all = store.readAllAsync(keys);
                        store.flush();
                        for (int i = 0; i < keys.size(); i++) {
                            // well inside the 10 s command timeout: a page left unsent would wait for it
                            Snapshot s = all.get(i).get(3, java.util.concurrent.TimeUnit.SECONDS);
                            assertArrayEquals(b("v" + me + ":" + i), ((KeyValue.StringValue) s.value()).value());
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            running.add(th);
            th.start();
        }
        for (Thread th : running) {
            th.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void threadsThatComeAndGoOneAfterAnotherReuseThePageConnectionsTheStoreOpened() throws Exception {
        try (RedisStore s = RedisStore.connect(RedisEndpoint.parse("--source", server.uri(), false))) {
            long opened = clients(raw);
            for (int i = 0; i < 5; i++) {
                Thread t = new Thread(() -> {
                    var all = s.readAllAsync(List.of(RedisKey.of("x")));
                    s.flush();
                    assertFalse(all.get(0).join().exists());
                });
                t.start();
                t.join();
            }
            var all = s.readAllAsync(List.of(RedisKey.of("x")));
            s.flush();
            all.get(0).join();
            assertEquals(opened, clients(raw), "no connection more than the store opened");
        }
    }

    @Test
    void aBatchThatFailsFailsEachOfItsKeysAndNoOther() {
        try (RedisProcess noXinfo = RedisProcess.start("--rename-command", "XINFO", "");
             RedisStore s = RedisStore.connect(RedisEndpoint.parse("--source", noXinfo.uri(), false));
             RawRedis noXinfoRaw = RawRedis.connect(noXinfo.uri())) {
            List<RedisKey> keys = new ArrayList<>();
            for (int i = 0; i < Scripts.BATCH + 10; i++) {
                noXinfoRaw.commands().set(b("s" + i), b("v"));
                keys.add(RedisKey.of("s" + i));
            }
            // a stream cannot be read without XINFO: the script fails for the whole first batch
            noXinfoRaw.commands().del(b("s3"));
            noXinfoRaw.commands().xadd(b("s3"), Map.of(b("f"), b("v")));
            List<CompletableFuture<Snapshot>> all = s.readAllAsync(keys);
            s.flush();
            for (int i = 0; i < Scripts.BATCH; i++) {
                int at = i;
                assertThrows(CompletionException.class, () -> all.get(at).join(), "s" + i);
            }
            for (int i = Scripts.BATCH; i < keys.size(); i++) {
                assertTrue(all.get(i).join().exists(), "s" + i);
            }
        }
    }

    @Test
    void aBatchedCreateWritesEachAbsentKeyWithItsTtlAndLeavesExistingOnesAlone() {
        List<RedisKey> keys = new ArrayList<>();
        List<KeyValue> values = new ArrayList<>();
        List<Long> ttls = new ArrayList<>();
        for (int i = 0; i < Scripts.BATCH + 20; i++) {
            keys.add(RedisKey.of("c" + i));
            values.add(i % 2 == 0 ? new KeyValue.StringValue(b("v" + i))
                    : new KeyValue.HashValue(List.of(new KeyValue.Field(b("f"), b("v" + i)))));
            ttls.add(i % 3 == 0 ? 60_000L : 0L);
        }
        raw.commands().set(b("c7"), b("theirs"));
        List<CompletableFuture<Written>> done = store.createAllIfAbsentAsync(keys, values, ttls);
        store.flush();
        for (int i = 0; i < keys.size(); i++) {
            Written w = done.get(i).join();
            assertEquals(i != 7, w.created(), "c" + i);
            Snapshot now = store.read(keys.get(i));
            if (i != 7) {
                assertTrue(KeyValue.sameBytes(values.get(i), now.value()), "c" + i);
                assertTrue(i % 3 == 0 ? now.ttlMs() > 50_000 : now.ttlMs() == -1, "c" + i + " ttl " + now.ttlMs());
                // its read-back came with the create: the TTL it had then
                assertTrue(i % 3 == 0 ? w.sameTtlMs() > 50_000 && w.sameTtlMs() <= 60_002 : w.sameTtlMs() == -1,
                        "c" + i + " ttl read back " + w.sameTtlMs());
            } else {
                assertNull(w.sameTtlMs(), "refused: read back by the caller");
            }
        }
        assertEquals("theirs", new String(raw.commands().get(b("c7")), StandardCharsets.UTF_8));
    }

    @Test
    void bigCreatesAreSpreadOverSeveralCallsAndEachIsWrittenWhole() {
        // warm: the script is loaded, so each batch below is one EVALSHA
        store.createAllIfAbsentAsync(List.of(RedisKey.of("warm")), List.of(new KeyValue.StringValue(b("w"))), List.of(0L));
        store.flush();
        List<RedisKey> keys = new ArrayList<>();
        List<KeyValue> values = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            List<KeyValue.Field> fields = new ArrayList<>();
            for (int f = 0; f < 6_000; f++) {
                fields.add(new KeyValue.Field(b("f" + f), b("v" + k + ":" + f)));
            }
            keys.add(RedisKey.of("h" + k));
            values.add(new KeyValue.HashValue(fields));
        }
        long before = calls(raw, "evalsha");
        List<CompletableFuture<Written>> done = store.createAllIfAbsentAsync(keys, values, java.util.Collections.nCopies(5, 0L));
        store.flush();
        done.forEach(d -> assertTrue(d.join().created()));
        // 12,000 parts each: two keys reach the 20,000 parts after which a call takes no more
        assertEquals(3, calls(raw, "evalsha") - before);
        for (int k = 0; k < 5; k++) {
            assertEquals(6_000L, raw.commands().hlen(b("h" + k)));
            assertArrayEquals(b("v" + k + ":5999"), raw.commands().hget(b("h" + k), b("f5999")));
        }
    }

    @Test
    void aBatchedRestoreFailsOnlyTheKeyWhosePayloadIsBad() {
        raw.commands().set(b("src"), b("payload source"));
        byte[] good = store.readDump(RedisKey.of("src")).payload();
        List<RedisKey> keys = List.of(RedisKey.of("r0"), RedisKey.of("r1"), RedisKey.of("r2"));
        List<byte[]> payloads = List.of(good, b("not a dump payload"), good);
        List<CompletableFuture<Written>> done = store.restoreAllIfAbsentAsync(keys, payloads, List.of(0L, 0L, 30_000L));
        store.flush();
        assertTrue(done.get(0).join().created());
        CompletionException bad = assertThrows(CompletionException.class, () -> done.get(1).join());
        assertTrue(bad.getCause().getMessage().contains("payload"), bad.getCause().getMessage());
        assertTrue(done.get(2).join().created());
        assertEquals(0L, raw.commands().exists(b("r1")));
        assertEquals("payload source", new String(raw.commands().get(b("r2")), StandardCharsets.UTF_8));
        assertTrue(raw.commands().pttl(b("r2")) > 20_000);
    }

    @Test
    void aBatchedRestoreReadsEachKeyBackInTheSameCallAsItsTtlAndLeavesAKeyThatExistsUntouched() {
        raw.commands().hset(b("src-hash"), Map.of(b("f"), b("v"), b("g"), b("w")));
        raw.commands().set(b("taken"), b("the application's"));
        raw.commands().pexpire(b("taken"), 90_000);
        byte[] hash = store.readDump(RedisKey.of("src-hash")).payload();
        long calls = calls(raw, "evalsha");
        List<CompletableFuture<Written>> done = store.restoreAllIfAbsentAsync(
                List.of(RedisKey.of("copy"), RedisKey.of("taken"), RedisKey.of("plain")), List.of(hash, hash, hash),
                List.of(40_000L, 0L, 0L));
        store.flush();
        Written copy = done.get(0).join();
        assertTrue(copy.created());
        assertTrue(copy.sameTtlMs() > 39_000 && copy.sameTtlMs() <= 40_002, "ttl (to a ms or two: an absolute expiry) " + copy.sameTtlMs());
        assertNull(copy.look(), "no value sent back: the restore's OK says the key holds the payload");
        assertEquals(-1L, done.get(2).join().sameTtlMs(), "persistent");
        Written taken = done.get(1).join();
        assertFalse(taken.created());
        assertNull(taken.sameTtlMs());
        assertEquals(KeyType.STRING, taken.look().type(), "the key as it was found, whole");
        assertArrayEquals(b("the application's"), ((KeyValue.StringValue) taken.look().value()).value());
        assertTrue(taken.look().ttlMs() > 80_000, "its TTL untouched too");
        assertArrayEquals(b("the application's"), raw.commands().get(b("taken")));
        assertEquals(Map.of("f", "v", "g", "w"), text(raw.commands().hgetall(b("copy"))));
        assertEquals(1, calls(raw, "evalsha") - calls, "one call for the writes and the read-backs");
    }

    @Test
    void aBatchedRestoreWhoseExpiryHasPassedLeavesNoKeyAndSaysSo() throws InterruptedException {
        raw.commands().set(b("src"), b("v"));
        byte[] payload = store.readDump(RedisKey.of("src")).payload();
        // a TTL of 1 ms, restored after the store's clock has moved on: the absolute time has passed
        List<CompletableFuture<Written>> done = store.restoreAllIfAbsentAsync(List.of(RedisKey.of("gone")),
                List.of(payload), List.of(1L));
        Thread.sleep(20);
        store.flush();
        Written r = done.get(0).join();
        assertTrue(r.created());
        assertFalse(r.look().exists());
        assertEquals(0L, raw.commands().exists(b("gone")));
    }

    private static Map<String, String> text(Map<byte[], byte[]> m) {
        Map<String, String> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    /** How many connections the server has (every test's store and server share it). */
    private static long clients(RawRedis s) {
        String prefix = "connected_clients:";
        for (String line : s.commands().info("clients").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()).trim());
            }
        }
        throw new AssertionError("no connected_clients in INFO clients");
    }

    /** The server's count of calls of {@code command}. */
    private static long calls(RawRedis s, String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : s.commands().info("commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
