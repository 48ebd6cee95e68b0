package io.keyferry.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.time.Duration;

/**
 * A plain Lettuce connection (bytes in, bytes out) to a test's server, for setting keys up and
 * looking at them the way an application would: what the store under test does not offer.
 */
final class RawRedis implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;

    private RawRedis(RedisClient client) {
        this.client = client;
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    static RawRedis connect(String uri) {
        return new RawRedis(RedisClient.create(uri));
    }

    RedisCommands<byte[], byte[]> commands() {
        return connection.sync();
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
