package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.local.RedisProcess;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Big keys, made big by small limits so that every type goes through the chunked path in
 * milliseconds: windows of 7 elements or 100 bytes, "big" above 50 elements or 1000 bytes.
 * Each side is checked against a store with the default limits, which reads the same key whole.
 */
class BigKeysIT {
    private static final Chunking SMALL = new Chunking(50, 1_000, 7, 100);

    private static RedisProcess sourceServer;
    private static RedisProcess targetServer;
    private static RedisStore source;
    private static RedisStore target;
    private static RedisStore sourceWhole;
    private static RedisStore targetWhole;
    private static RawRedis sourceRaw;
    private static RawRedis targetRaw;

    @BeforeAll
    static void start() {
        sourceServer = RedisProcess.start();
        targetServer = RedisProcess.start();
        source = RedisStore.connect(RedisEndpoint.parse("--source", sourceServer.uri(), false), SMALL);
        target = RedisStore.connect(RedisEndpoint.parse("--target", targetServer.uri(), false), SMALL);
        sourceWhole = RedisStore.connect(RedisEndpoint.parse("--source", sourceServer.uri(), false));
        targetWhole = RedisStore.connect(RedisEndpoint.parse("--target", targetServer.uri(), false));
        sourceRaw = RawRedis.connect(sourceServer.uri());
        targetRaw = RawRedis.connect(targetServer.uri());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : List.<AutoCloseable>of(sourceRaw, targetRaw, source, target, sourceWhole, targetWhole, sourceServer, targetServer)) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    @BeforeEach
    void flush() {
        sourceRaw.commands().flushall();
        targetRaw.commands().flushall();
        targetRaw.commands().configSet("maxmemory", "0");
    }

    /** One key of each type, 200 elements (or 5000 bytes) with binary parts, some with a TTL. */
    private static void load(RedisClusterCommands<byte[], byte[]> r) {
        lua(r, "for i = 1, 200 do redis.call('HSET', 'h', 'f' .. i .. '\\0\\255', 'v' .. i .. ',\\n') end");
        lua(r, "for i = 1, 200 do redis.call('SADD', 's', 'm' .. i .. '\\255') end");
        lua(r, "for i = 1, 200 do redis.call('ZADD', 'z', i / 3, 'm' .. i) end redis.call('ZADD', 'z', '-inf', 'low')");
        lua(r, "for i = 1, 200 do redis.call('RPUSH', 'l', 'x' .. (i % 10)) end"); // repeats: order matters
        lua(r, "for i = 1, 200 do redis.call('XADD', 'x', i .. '-1', 'a', i, 'a', 'again') end");
        lua(r, "redis.call('XGROUP', 'CREATE', 'x', 'readers', '100-1') redis.call('XSETID', 'x', '999-0')");
        lua(r, "local t = {} for i = 1, 5000 do t[i] = string.char(i % 256) end redis.call('SET', 'str', table.concat(t))");
        r.pexpire(b("h"), 60_000);
        r.pexpire(b("str"), 60_000);
    }

    private static void lua(RedisClusterCommands<byte[], byte[]> r, String script) {
        r.eval(script, ScriptOutputType.STATUS, new byte[0][]);
    }

    @Test
    void aKeyOverTheLimitsIsReadWithoutItsValueAndHashedInWindowsExactlyAsWhole() {
        load(sourceRaw.commands());
        for (String k : List.of("h", "s", "z", "l", "x", "str")) {
            RedisKey key = RedisKey.of(k);
            Snapshot s = source.read(key);
            assertTrue(s.big(), k);
            assertNull(s.value(), k);
            assertThrows(IllegalStateException.class, s::side);
            Side whole = sourceWhole.read(key).side();
            Side chunked = source.side(key, s);
            assertEquals(whole.type(), chunked.type(), k);
            assertEquals(whole.size(), chunked.size(), k);
            assertEquals(whole.sha256(), chunked.sha256(), k);
        }
        assertFalse(sourceWhole.read(RedisKey.of("h")).big(), "the default limits read 200 fields whole");
    }

    @Test
    void everyTypeIsCopiedInWindowsWithItsContentTtlAndStreamBookkeeping() {
        load(sourceRaw.commands());
        for (String k : List.of("h", "s", "z", "l", "x", "str")) {
            RedisKey key = RedisKey.of(k);
            RedisKey to = RedisKey.of("copy:" + k);
            assertTrue(source.copyBig(key, source.read(key), target, to, null), k);
            Snapshot back = targetWhole.read(to);
            Snapshot src = sourceWhole.read(key);
            assertEquals(src.side().sha256(), back.side().sha256(), k);
            assertEquals(src.type(), back.type(), k);
            if (src.ttlMs() > 0) {
                assertTrue(Math.abs(src.ttlMs() - back.ttlMs()) < 100, k + " ttl " + src.ttlMs() + " vs " + back.ttlMs());
            } else {
                assertEquals(-1, back.ttlMs(), k + " stays persistent");
            }
        }
        assertArrayEquals(sourceRaw.commands().get(b("str")), targetRaw.commands().get(b("copy:str")));
        io.keyferry.core.hash.KeyValue.StreamValue x = (io.keyferry.core.hash.KeyValue.StreamValue) targetWhole.read(RedisKey.of("copy:x")).value();
        assertEquals("999-0", new String(x.lastGeneratedId(), StandardCharsets.US_ASCII));
        assertEquals("readers", new String(x.groups().get(0).name(), StandardCharsets.US_ASCII));
        assertEquals("100-1", new String(x.groups().get(0).lastDeliveredId(), StandardCharsets.US_ASCII));
        assertEquals(6, targetRaw.commands().dbsize(), "no temporary key is left behind");
    }

    @Test
    void theTemporaryKeyKeepsTheTargetsHashSlotSoTheFinalRenameWorksOnACluster() {
        for (String t : List.of("plain", "{tagged}:k", "a}b{c", "{}x", "x{y}z{w}")) {
            byte[] name = b(t);
            byte[] temp = Chunks.tempName(name);
            assertEquals(io.lettuce.core.cluster.SlotHash.getSlot(name), io.lettuce.core.cluster.SlotHash.getSlot(temp), t);
            assertFalse(java.util.Arrays.equals(name, temp));
        }
    }

    @Test
    void anExistingTargetIsNeverOverwrittenAndNothingIsLeftBehind() {
        load(sourceRaw.commands());
        targetRaw.commands().set(b("copy:h"), b("the application's"));
        assertFalse(source.copyBig(RedisKey.of("h"), source.read(RedisKey.of("h")), target, RedisKey.of("copy:h"), null));
        assertArrayEquals(b("the application's"), targetRaw.commands().get(b("copy:h")));
        assertEquals(1, targetRaw.commands().dbsize());
    }

    @Test
    void aReplaceMovesTheNewValueInOnlyOverTheExactValueExpected() {
        load(sourceRaw.commands());
        RedisKey to = RedisKey.of("copy:s");
        targetRaw.commands().sadd(b("copy:s"), b("old"));
        byte[] old = targetRaw.commands().dump(b("copy:s"));
        assertTrue(source.copyBig(RedisKey.of("s"), source.read(RedisKey.of("s")), target, to, old));
        assertEquals(sourceWhole.read(RedisKey.of("s")).side().sha256(), target.side(to).sha256());

        targetRaw.commands().sadd(b("copy:s"), b("changed by the application"));
        assertFalse(source.copyBig(RedisKey.of("s"), source.read(RedisKey.of("s")), target, to, old));
        assertEquals(1, targetRaw.commands().dbsize());
    }

    @Test
    void aCopyThatFailsHalfwayLeavesNoTemporaryKeyOnTheTarget() {
        sourceRaw.commands().set(b("huge"), new byte[400_000]);
        targetRaw.commands().configSet("maxmemory-policy", "noeviction");
        targetRaw.commands().configSet("maxmemory", Long.toString(usedMemory() + 200_000));
        RedisStore bigStrings = RedisStore.connect(RedisEndpoint.parse("--source", sourceServer.uri(), false),
                new Chunking(50, 1_000, 7, 10_000));
        try {
            RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, () ->
                    bigStrings.copyBig(RedisKey.of("huge"), bigStrings.read(RedisKey.of("huge")), target, RedisKey.of("huge"), null));
            assertTrue(e.getMessage().startsWith("OOM"), e.getMessage());
        } finally {
            bigStrings.close();
        }
        assertEquals(0, targetRaw.commands().dbsize(), "the part written so far is dropped");
    }

    @Test
    void aBigHashStillGivesTheFieldsANameIsDerivedFrom() {
        load(sourceRaw.commands());
        RedisKey h = RedisKey.of("h");
        var value = (io.keyferry.core.hash.KeyValue.HashValue) source.valueToName(h, source.read(h),
                List.of("f7\0\u00ff".getBytes(StandardCharsets.ISO_8859_1), b("absent")));
        assertEquals(1, value.fields().size());
        assertArrayEquals(b("v7,\n"), value.fields().get(0).value());
        assertEquals(KeyType.HASH, value.type());
    }

    private static long usedMemory() {
        String info = targetRaw.commands().info("memory");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()));
            }
        }
        throw new AssertionError("no used_memory in INFO");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
