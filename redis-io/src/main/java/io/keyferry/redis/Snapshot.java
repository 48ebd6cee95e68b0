package io.keyferry.redis;

import io.keyferry.core.hash.Canonical;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;

/**
 * A key as read at one moment.
 *
 * @param type     null when the key does not exist
 * @param value    null when absent, when the type has no struct form here, or when the key is big
 * @param ttlMs    remaining TTL in ms, -1 persistent, -2 absent
 * @param readAtMs wall-clock time of the read, to age the TTL later
 * @param big      over the {@link Chunking} limits: its value was not read, and it is hashed and
 *                 copied in chunks ({@link RedisStore#side(io.keyferry.core.model.RedisKey, Snapshot)})
 */
public record Snapshot(KeyType type, KeyValue value, long ttlMs, long readAtMs, boolean big) {
    public Snapshot(KeyType type, KeyValue value, long ttlMs, long readAtMs) {
        this(type, value, ttlMs, readAtMs, false);
    }

    public static Snapshot absent(long readAtMs) {
        return new Snapshot(null, null, -2, readAtMs);
    }

    public boolean exists() {
        return type != null;
    }

    /**
     * Size and canonical hash; an absent key gives {@link Side#ABSENT}.
     *
     * @throws IllegalStateException for a big key, whose side only its store can read
     */
    public Side side() {
        if (!exists()) {
            return Side.ABSENT;
        }
        if (big) {
            throw new IllegalStateException("a big key is hashed in chunks by its store");
        }
        if (value == null) {
            return new Side(type, -1, null, ttlMs);
        }
        return Canonical.side(value, ttlMs);
    }

    /** The TTL left now, aged from the read; -1 when persistent. */
    public long ttlLeftAt(long nowMs) {
        return ttlMs < 0 ? ttlMs : ttlMs - (nowMs - readAtMs);
    }
}
