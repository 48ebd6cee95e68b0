package io.keyferry.testsupport;

import io.keyferry.local.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;

/**
 * A throwaway redis-server ({@link RedisProcess}) plus ready-made Lettuce connections for test
 * setup and assertions. Cheap enough per test class; call {@link #flushAll()} between tests that
 * share one.
 */
public final class TestRedis implements AutoCloseable {

    private final RedisProcess process;
    private final RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> bytesConnection;
    private StatefulRedisConnection<String, String> stringConnection;
    private boolean closed;

    private TestRedis(RedisProcess process) {
        this.process = process;
        this.client = RedisClient.create();
    }

    /** @param extraArgs extra redis-server options, e.g. {@code "--appendonly", "yes"} */
    public static TestRedis start(String... extraArgs) {
        return new TestRedis(RedisProcess.start(extraArgs));
    }

    public RedisProcess process() {
        return process;
    }

    public int port() {
        return process.port();
    }

    public String uri() {
        return process.uri();
    }

    public RedisURI redisUri() {
        return RedisURI.create(process.uri());
    }

    /** Binary-safe commands (keys and values as raw bytes), for exact comparisons. */
    public synchronized RedisCommands<byte[], byte[]> bytes() {
        ensureOpen();
        // Reconnect lazily: after process().kill()/restart() the old connection may be dead.
        if (bytesConnection == null || !bytesConnection.isOpen()) {
            bytesConnection = client.connect(ByteArrayCodec.INSTANCE, redisUri());
        }
        return bytesConnection.sync();
    }

    /** UTF-8 string commands, for readable setup and assertions. */
    public synchronized RedisCommands<String, String> strings() {
        ensureOpen();
        if (stringConnection == null || !stringConnection.isOpen()) {
            stringConnection = client.connect(StringCodec.UTF8, redisUri());
        }
        return stringConnection.sync();
    }

    /** Empties every database, so a shared instance starts each test clean. */
    public void flushAll() {
        strings().flushall();
    }

    /** Closes the connections and stops the server (removing its data dir). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            process.stop();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("TestRedis on " + process.uri() + " is closed");
        }
    }
}
