package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.local.RedisProcess;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DUMP/RESTORE between two real servers. */
class DumpModeIT {
    private static RedisProcess sourceServer;
    private static RedisProcess targetServer;
    private static RedisStore source;
    private static RedisStore target;
    private static RawRedis sourceRaw;
    private static RawRedis targetRaw;

    @BeforeAll
    static void start() {
        sourceServer = RedisProcess.start();
        targetServer = RedisProcess.start();
        source = RedisStore.connect(RedisEndpoint.parse("--source", sourceServer.uri(), false));
        target = RedisStore.connect(RedisEndpoint.parse("--target", targetServer.uri(), false));
        sourceRaw = RawRedis.connect(sourceServer.uri());
        targetRaw = RawRedis.connect(targetServer.uri());
    }

    @AfterAll
    static void stop() {
        sourceRaw.close();
        targetRaw.close();
        source.close();
        target.close();
        sourceServer.stop();
        targetServer.stop();
    }

    @BeforeEach
    void flush() {
        sourceRaw.commands().flushall();
        targetRaw.commands().flushall();
    }

    @Test
    void everyTypeIsRestoredOnAnotherServerWithItsHashAndTtl() {
        RedisClusterCommands<byte[], byte[]> r = sourceRaw.commands();
        r.set(b("k:string"), b("{\"b\": [1, 2], \"a\": \"x\"}"));
        r.hset(b("k:hash"), Map.of(b("f1"), b("v1"), b("f2"), new byte[] {0, (byte) 0xff}));
        r.rpush(b("k:list"), b("x"), b("y"), b("x"));
        r.sadd(b("k:set"), b("m1"), b("m2"), b("m3"));
        r.zadd(b("k:zset"), 1.25, b("a"));
        r.zadd(b("k:zset"), Double.NEGATIVE_INFINITY, b("b"));
        r.xadd(b("k:stream"), new XAddArgs().id("1-1"), b("f"), b("v"), b("g"), new byte[] {(byte) 0x80});
        r.xadd(b("k:stream"), new XAddArgs().id("2-0"), b("f"), b("w"));
        r.xgroupCreate(StreamOffset.from(b("k:stream"), "0"), b("grp"));
        r.xreadgroup(Consumer.from(b("grp"), b("c1")), XReadArgs.Builder.count(1), StreamOffset.lastConsumed(b("k:stream")));
        for (String k : List.of("k:string", "k:hash", "k:list", "k:set", "k:zset", "k:stream")) {
            r.pexpire(b(k), 60_000);
        }
        r.set(b("k:forever"), b("no ttl"));

        Set<KeyType> seen = EnumSet.noneOf(KeyType.class);
        for (String k : List.of("k:string", "k:hash", "k:list", "k:set", "k:zset", "k:stream", "k:forever")) {
            RedisKey key = RedisKey.of(k);
            DumpSnapshot d = source.readDump(key);
            assertTrue(d.exists(), k);
            assertNotNull(d.payload(), k);
            assertNotNull(d.snapshot().value(), k);
            seen.add(d.snapshot().type());
            // The same atomic read as struct mode's: same hash.
            assertEquals(source.read(key).side().sha256(), d.snapshot().side().sha256(), k);

            assertTrue(target.restoreIfAbsent(key, d.payload(), d.snapshot().ttlLeftAt(System.currentTimeMillis())), k);
            Snapshot back = target.read(key);
            assertEquals(d.snapshot().type(), back.type(), k);
            assertEquals(d.snapshot().side().sha256(), back.side().sha256(), k);
            assertEquals(d.snapshot().side().size(), back.side().size(), k);
            long srcTtl = r.pttl(key.unsafeBytes());
            long dstTtl = targetRaw.commands().pttl(key.unsafeBytes());
            if (srcTtl < 0) {
                assertEquals(-1L, dstTtl, k);
            } else {
                assertTrue(Math.abs(srcTtl - dstTtl) <= 100, k + " ttl source " + srcTtl + " target " + dstTtl);
            }
        }
        assertEquals(EnumSet.allOf(KeyType.class), seen);
        // DUMP carries what struct mode cannot: the group's pending entry and its consumer.
        assertEquals(1L, targetRaw.commands().xpending(b("k:stream"), b("grp")).getCount());
    }

    @Test
    void anExistingKeyIsNeverOverwrittenByRestore() {
        sourceRaw.commands().hset(b("taken"), b("f"), b("v"));
        DumpSnapshot d = source.readDump(RedisKey.of("taken"));
        targetRaw.commands().set(b("taken"), b("theirs"));
        assertFalse(target.restoreIfAbsent(RedisKey.of("taken"), d.payload(), 10_000));
        assertArrayEquals(b("theirs"), targetRaw.commands().get(b("taken")));
        assertEquals(-1L, targetRaw.commands().pttl(b("taken")));
    }

    @Test
    void aMissingKeyHasNoPayload() {
        DumpSnapshot d = source.readDump(RedisKey.of("nothing"));
        assertFalse(d.exists());
        assertNull(d.payload());
        assertEquals(-2, d.snapshot().ttlMs());
    }

    @Test
    void aBadPayloadIsAnErrorNotAFalse() {
        RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class,
                () -> target.restoreIfAbsent(RedisKey.of("bad"), b("not a dump payload"), -1));
        assertTrue(e.getMessage().contains("DUMP payload"), e.getMessage());
        assertEquals(0L, targetRaw.commands().exists(b("bad")));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
