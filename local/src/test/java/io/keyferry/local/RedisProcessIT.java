package io.keyferry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisProcessIT {

    private static RedisClient client;

    @BeforeAll
    static void setUp() {
        client = RedisClient.create();
    }

    @AfterAll
    static void tearDown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String getSet(RedisProcess redis, String key, String value) {
        try (StatefulRedisConnection<String, String> c = client.connect(io.lettuce.core.RedisURI.create(redis.uri()))) {
            if (value != null) {
                assertEquals("OK", c.sync().set(key, value));
            }
            return c.sync().get(key);
        }
    }

    @Test
    void startSetGetStop() throws Exception {
        RedisProcess redis = RedisProcess.start();
        long pid = redis.pid();
        Path dir = redis.dir();
        assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
        assertTrue(redis.isAlive());
        assertEquals("v1", getSet(redis, "k1", "v1"));

        redis.stop();
        redis.stop(); // idempotent
        assertProcessGone(pid);
        assertFalse(Files.exists(dir), "temp dir removed");
    }

    @Test
    void killAndRestartKeepsAppendOnlyData() throws Exception {
        try (RedisProcess redis = RedisProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
            int port = redis.port();
            long firstPid = redis.pid();
            getSet(redis, "persisted", "yes");

            redis.kill();
            assertProcessGone(firstPid);
            assertFalse(redis.isAlive());
            assertTrue(Files.exists(redis.dir()), "kill keeps the data dir");

            redis.restart();
            assertNotEquals(firstPid, redis.pid());
            assertEquals(port, redis.port());
            assertEquals("yes", getSet(redis, "persisted", null));
        }
    }

    @Test
    void defaultsDoNotPersist() {
        try (RedisProcess redis = RedisProcess.start()) {
            getSet(redis, "gone", "soon");
            redis.kill();
            redis.restart();
            assertEquals(null, getSet(redis, "gone", null));
        }
    }

    @Test
    void failingStartReportsLogTail() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> RedisProcess.start("--no-such-option", "1"));
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("no-such-option"), e.getMessage());
    }

    @Test
    void bundledBinaryExtractsAndRuns(@TempDir Path cache) throws Exception {
        assumeTrue(RedisBinary.isLinuxAmd64(), "bundled fallback is linux-amd64 only");
        Path bin = RedisBinary.extractBundled(cache).orElseThrow();
        assertTrue(Files.isExecutable(bin));
        assertEquals(cache.resolve(RedisBinary.BUNDLED_FILE), bin);
        // Second call reuses the cached copy.
        long mtime = Files.getLastModifiedTime(bin).toMillis();
        assertEquals(bin, RedisBinary.extractBundled(cache).orElseThrow());
        assertEquals(mtime, Files.getLastModifiedTime(bin).toMillis());

        Process p = new ProcessBuilder(List.of(bin.toString(), "--version")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("Redis server v="), out);

        try (RedisProcess redis = RedisProcess.start(bin)) {
            assertEquals("bundled", getSet(redis, "via", "bundled"));
        }
    }

    @Test
    void locatePrefersPath() {
        assumeTrue(RedisBinary.findOnPath("redis-server").isPresent());
        assertEquals(RedisBinary.findOnPath("redis-server").get(), RedisBinary.locate());
    }

    private static void assertProcessGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                Thread.sleep(20);
            } else {
                return;
            }
        }
        throw new AssertionError("pid " + pid + " still alive");
    }
}
