package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.local.RedisProcess;
import io.keyferry.core.hash.Canonical;
import io.lettuce.core.Consumer;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
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
    private static RawRedis raw;

    @BeforeAll
    static void start() {
        server = RedisProcess.start();
        store = RedisStore.connect(RedisEndpoint.parse("--target", server.uri(), false));
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
            assertTrue(back.ttlMs() > 49_000 && back.ttlMs() <= 50_002, "ttl (an absolute expiry: the clocks' offset is known to a ms or two) " + back.ttlMs());
        }
    }

    @Test
    void aCollectionLongerThanLuasUnpackLimitIsCreatedInFull() {
        List<KeyValue.Field> fields = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            fields.add(new KeyValue.Field(b("field-" + i), b("value-" + i)));
        }
        assertTrue(store.createIfAbsent(RedisKey.of("big"), new KeyValue.HashValue(fields), -1));
        assertEquals(20_000L, raw.commands().hlen(b("big")));
        assertEquals(-1, store.read(RedisKey.of("big")).ttlMs());
    }

    @Test
    void collectionsComeBackExactlyWhateverTheirElementsSizesAndCountsOnceTheServerPacksThem() {
        // each of MessagePack's string and array length classes, in binary content
        List<byte[]> items = new ArrayList<>();
        for (int len : new int[] {0, 1, 31, 32, 255, 256, 65_535, 65_536, 70_000}) {
            byte[] item = new byte[len];
            for (int i = 0; i < len; i++) {
                item[i] = (byte) (i * 31 + len);
            }
            items.add(item);
        }
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < 9_000; i++) {
            many.add(b("member-" + i));
        }
        List<KeyValue> values = List.of(new KeyValue.ListValue(items), new KeyValue.SetValue(many),
                new KeyValue.HashValue(List.of(new KeyValue.Field(b("a"), items.get(4)), new KeyValue.Field(new byte[0], items.get(7)))),
                new KeyValue.ZSetValue(List.of(new KeyValue.Scored(items.get(3), 2.5), new KeyValue.Scored(items.get(6), -1e300))));
        for (KeyValue v : values) {
            RedisKey key = RedisKey.of("packed:" + v.type().wire());
            assertTrue(store.createIfAbsent(key, v, -1));
            assertEquals(Canonical.sha256(v), store.read(key).side().sha256(), v.type().wire());
        }
        KeyValue.ListValue back = (KeyValue.ListValue) store.read(RedisKey.of("packed:list")).value();
        assertEquals(items.size(), back.items().size());
        for (int i = 0; i < items.size(); i++) {
            assertArrayEquals(items.get(i), back.items().get(i), "item " + i);
        }
    }

    @Test
    void aCopyThatWaitedOnAStalledServerStillExpiresWhenItsSourceDoes() throws Exception {
        KeyValue v = new KeyValue.StringValue(b("value"));
        assertTrue(store.createIfAbsent(RedisKey.of("before"), v, 60_000)); // the clock's offset is measured here
        raw.commands().set(b("src"), b("payload"));
        byte[] payload = store.readDump(RedisKey.of("src")).payload();
        signal("STOP");
        List<java.util.concurrent.CompletableFuture<Written>> created;
        List<java.util.concurrent.CompletableFuture<Written>> restored;
        try {
            created = store.createAllIfAbsentAsync(List.of(RedisKey.of("c1"), RedisKey.of("c2")), List.of(v, v), List.of(60_000L, 60_000L));
            restored = store.restoreAllIfAbsentAsync(List.of(RedisKey.of("r1")), List.of(payload), List.of(60_000L));
            store.flush();
            Thread.sleep(1500);
        } finally {
            signal("CONT");
        }
        created.forEach(c -> assertTrue(c.join().created()));
        assertTrue(restored.get(0).join().created());
        for (String k : List.of("c1", "c2", "r1")) {
            long ttl = raw.commands().pttl(b(k));
            assertTrue(ttl > 57_000 && ttl <= 58_500, k + ": 60 s from when it was sent, 1.5 s of it spent waiting; ttl " + ttl);
        }
    }

    private static void signal(String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(server.pid())).inheritIO().start().waitFor());
    }

    @Test
    void anExistingKeyIsNeverTouchedWhateverItsType() {
        raw.commands().set(b("taken"), b("theirs"));
        boolean created = store.createIfAbsent(RedisKey.of("taken"),
                new KeyValue.HashValue(List.of(new KeyValue.Field(b("f"), b("v")))), 10_000);
        assertFalse(created);
        assertArrayEquals(b("theirs"), raw.commands().get(b("taken")));
        assertEquals(-1L, raw.commands().pttl(b("taken")));
    }

    @Test
    void underARaceWithAnApplicationExactlyOneWriterWinsEachKeyAndTheApplicationIsNeverOverwritten() throws Exception {
        int keys = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try (RawRedis app = RawRedis.connect(server.uri())) {
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
                assertArrayEquals(b(we[i] ? "ours" : "theirs"), raw.commands().get(b("race:" + i)), "race:" + i);
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
            raw.commands().set(b("s:" + i), b("v"));
            raw.commands().sadd(b("t:" + i), b("m"));
        }
        raw.commands().hset(b("s:hash"), b("f"), b("v"));
        java.util.Set<RedisKey> seen = new java.util.HashSet<>();
        String cursor = "0";
        do {
            ScanPage page = store.scan(cursor, "s:*", KeyType.STRING, 50);
            seen.addAll(page.keys());
            cursor = page.cursor();
        } while (!"0".equals(cursor));
        assertEquals(250, seen.size());
        assertFalse(seen.contains(RedisKey.of("s:hash")));
        assertNull(raw.commands().get(b("nope")));
    }

    @Test
    void aStreamIsReadWithEntriesFieldsLastIdAndGroupsAndCopiedWhole() {
        byte[] src = b("stream:src");
        byte[] binary = {0, (byte) 0xff, '\r', '\n', (byte) 0x80};
        var r = raw.commands();
        r.xadd(src, new XAddArgs().id("1700000000000-0"), b("user"), b("ann"), b("action"), b("login"), b("ip"), b("10.0.0.1"));
        r.xadd(src, new XAddArgs().id("1700000000000-1"), b("blob"), binary);
        r.xadd(src, new XAddArgs().id("1700000000001-0"), b("user"), b("bob"));
        r.xadd(src, new XAddArgs().id("9999999999999-5"), b("gone"), b("soon"));
        r.xgroupCreate(StreamOffset.from(src, "0-0"), b("workers"));
        r.xgroupCreate(StreamOffset.from(src, "$"), b("tail"));
        // Two entries delivered (and left pending) to the group: its last-delivered-id moves.
        List<StreamMessage<byte[], byte[]>> got = r.xreadgroup(Consumer.from(b("workers"), b("w1")),
                XReadArgs.Builder.count(2), StreamOffset.lastConsumed(src));
        assertEquals(2, got.size());
        // The newest entry is deleted: last-generated-id now lies beyond the last entry.
        r.xdel(src, "9999999999999-5");
        r.pexpire(src, 50_000);

        Snapshot read = store.read(RedisKey.of(src));
        assertEquals(KeyType.STREAM, read.type());
        KeyValue.StreamValue v = (KeyValue.StreamValue) read.value();
        assertEquals(List.of("1700000000000-0", "1700000000000-1", "1700000000001-0"), v.entries().stream().map(e -> s(e.id())).toList());
        assertEquals(List.of("user=ann", "action=login", "ip=10.0.0.1"), fields(v.entries().get(0)));
        assertArrayEquals(binary, v.entries().get(1).fields().get(0).value());
        assertEquals("9999999999999-5", s(v.lastGeneratedId()));
        assertEquals(List.of("tail@9999999999999-5", "workers@1700000000000-1"), groups(v));
        assertEquals(KeyType.STREAM, read.side().type());
        assertEquals(Canonical.size(v), read.side().size());

        RedisKey dst = RedisKey.of("stream:dst");
        assertTrue(store.createIfAbsent(dst, v, read.ttlLeftAt(System.currentTimeMillis())));
        Snapshot back = store.read(dst);
        KeyValue.StreamValue bv = (KeyValue.StreamValue) back.value();
        assertEquals(read.side().sha256(), back.side().sha256());
        assertEquals("9999999999999-5", s(bv.lastGeneratedId()));
        assertEquals(groups(v), groups(bv));
        assertTrue(back.ttlMs() > 49_000 && back.ttlMs() <= 50_002, "ttl (an absolute expiry: the clocks' offset is known to a ms or two) " + back.ttlMs());
        // The group's position is carried, its pending entries are not (struct mode cannot).
        assertEquals(0L, r.xpending(dst.unsafeBytes(), b("workers")).getCount());
        assertEquals(1, r.xreadgroup(Consumer.from(b("workers"), b("w1")), StreamOffset.lastConsumed(dst.unsafeBytes())).size());
        // New ids on the target continue after the source's, never behind them.
        assertEquals("9999999999999-6", r.xadd(dst.unsafeBytes(), b("next"), b("1")));
    }

    @Test
    void emptyStreamsWithAndWithoutGroupsAreCopiedAsEmptyStreams() {
        var r = raw.commands();
        r.xadd(b("e:grouped"), new XAddArgs().id("5-0"), b("f"), b("v"));
        r.xgroupCreate(StreamOffset.from(b("e:grouped"), "$"), b("g"));
        r.xdel(b("e:grouped"), "5-0");
        r.xgroupCreate(StreamOffset.from(b("e:made"), "0"), b("g"), XGroupCreateArgs.Builder.mkstream());
        r.xadd(b("e:bare"), new XAddArgs().id("3-7"), b("f"), b("v"));
        r.xdel(b("e:bare"), "3-7");

        for (String name : List.of("e:grouped", "e:made", "e:bare")) {
            Snapshot src = store.read(RedisKey.of(name));
            KeyValue.StreamValue v = (KeyValue.StreamValue) src.value();
            assertTrue(v.entries().isEmpty(), name);
            RedisKey dst = RedisKey.of(name + ":copy");
            assertTrue(store.createIfAbsent(dst, v, -1), name);
            KeyValue.StreamValue back = (KeyValue.StreamValue) store.read(dst).value();
            assertEquals("stream", r.type(dst.unsafeBytes()), name);
            assertEquals(0L, r.xlen(dst.unsafeBytes()), name);
            assertEquals(s(v.lastGeneratedId()), s(back.lastGeneratedId()), name);
            assertEquals(groups(v), groups(back), name);
            assertEquals(Canonical.sha256(v), Canonical.sha256(back), name);
            assertEquals(-1L, r.pttl(dst.unsafeBytes()), name);
        }
        assertEquals(List.of("g@5-0"), groups((KeyValue.StreamValue) store.read(RedisKey.of("e:grouped")).value()));
        assertEquals(List.of(), groups((KeyValue.StreamValue) store.read(RedisKey.of("e:bare:copy")).value()));
        assertEquals("3-7", s(((KeyValue.StreamValue) store.read(RedisKey.of("e:bare:copy")).value()).lastGeneratedId()));
    }

    @Test
    void aStreamIsNotCreatedOverAnExistingKey() {
        raw.commands().xadd(b("taken"), new XAddArgs().id("1-0"), b("theirs"), b("1"));
        KeyValue.StreamValue ours = new KeyValue.StreamValue(
                List.of(new KeyValue.StreamEntry(b("2-0"), List.of(new KeyValue.Field(b("ours"), b("1"))))),
                b("2-0"), List.of(new KeyValue.StreamGroup(b("g"), b("0-0"))));
        assertFalse(store.createIfAbsent(RedisKey.of("taken"), ours, 10_000));
        assertEquals(1L, raw.commands().xlen(b("taken")));
        assertTrue(raw.commands().xinfoGroups(b("taken")).isEmpty());
        assertEquals(-1L, raw.commands().pttl(b("taken")));
    }

    @Test
    void redis7OffersEverythingBothCopyModesNeed() {
        assertEquals(java.util.Set.of(), store.missingCommands(false));
        assertEquals(java.util.Set.of(), store.missingCommands(true));
    }

    private static List<String> fields(KeyValue.StreamEntry e) {
        return e.fields().stream().map(f -> s(f.name()) + "=" + s(f.value())).toList();
    }

    private static List<String> groups(KeyValue.StreamValue v) {
        return v.groups().stream().map(g -> s(g.name()) + "@" + s(g.lastDeliveredId())).sorted().toList();
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aReplaceHappensOnlyWhileTheKeyStillHoldsTheExpectedValue() {
        raw.commands().hset(b("r"), b("f"), b("old"));
        byte[] old = store.readDump(RedisKey.of("r")).payload();
        KeyValue fresh = new KeyValue.HashValue(List.of(new KeyValue.Field(b("g"), b("new"))));

        raw.commands().hset(b("r"), b("f"), b("changed by the application"));
        assertFalse(store.replace(RedisKey.of("r"), fresh, -1, old), "a stale expectation must not replace");
        assertArrayEquals(b("changed by the application"), raw.commands().hget(b("r"), b("f")));

        byte[] current = store.readDump(RedisKey.of("r")).payload();
        assertTrue(store.replace(RedisKey.of("r"), fresh, 30_000, current));
        assertEquals(io.keyferry.core.hash.Canonical.sha256(fresh), store.read(RedisKey.of("r")).side().sha256(),
                "the old fields are gone, not merged");
        assertTrue(raw.commands().pttl(b("r")) > 29_000);

        byte[] replaced = store.readDump(RedisKey.of("r")).payload();
        assertTrue(store.restoreReplacing(RedisKey.of("r"), old, -1, replaced), "a DUMP payload replaces too");
        assertArrayEquals(b("old"), raw.commands().hget(b("r"), b("f")));
        assertEquals(-1L, raw.commands().pttl(b("r")));
        assertFalse(store.restoreReplacing(RedisKey.of("r"), old, -1, replaced));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
