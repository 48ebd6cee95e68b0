package io.keyferry.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How far a server's clock is from this machine's, measured with TIME, so that a TTL can be sent
 * as the absolute expiry it means on that server (PEXPIREAT). A relative TTL counts from when the
 * server runs the write; a write that waited on the way (a stalled server, a slow network) made
 * the key outlive its source by the wait. The offset is measured, not assumed: the two clocks
 * need not agree. It is measured again every {@value #REFRESH_MS} ms, to follow a clock step.
 * On a cluster TIME goes to one node, and the others are taken to keep the same time.
 */
final class ServerClock {
    static final long REFRESH_MS = 60_000;
    private static final int TRIES = 3;
    private static final long GOOD_RTT_MS = 5;

    private final Supplier<List<byte[]>> time;
    private final LongSupplier localMs;
    private long offsetMs;
    private long measuredAtMs;
    private boolean measured;

    ServerClock(Supplier<List<byte[]>> time, LongSupplier localMs) {
        this.time = time;
        this.localMs = localMs;
    }

    /**
     * The server's time at which a key with {@code ttlMs} left now expires; 0 (persistent) for
     * {@code ttlMs <= 0}.
     */
    long expiryAt(long ttlMs) {
        if (ttlMs <= 0) {
            return 0;
        }
        long now = localMs.getAsLong();
        return now + ttlMs + offset(now);
    }

    /** {@link #expiryAt(long)} as the scripts take it: a decimal number. */
    byte[] expiryArg(long ttlMs) {
        return Long.toString(expiryAt(ttlMs)).getBytes(StandardCharsets.UTF_8);
    }

    private synchronized long offset(long now) {
        if (!measured || now - measuredAtMs >= REFRESH_MS) {
            // A slow round trip (the server busy or stalled) blurs the offset by up to half of it:
            // of a few tries, the fastest counts.
            long bestRtt = Long.MAX_VALUE;
            for (int i = 0; i < TRIES && bestRtt > GOOD_RTT_MS; i++) {
                long before = localMs.getAsLong();
                List<byte[]> reply = time.get();
                long after = localMs.getAsLong();
                if (after - before < bestRtt) {
                    bestRtt = after - before;
                    offsetMs = offset(before, serverMs(reply), after);
                    measuredAtMs = after;
                }
            }
            measured = true;
        }
        return offsetMs;
    }

    /** The server's time less this machine's, taken as half-way through the round trip. */
    static long offset(long beforeMs, long serverMs, long afterMs) {
        return serverMs - (beforeMs + (afterMs - beforeMs) / 2);
    }

    /** TIME's reply (seconds, microseconds) in ms. */
    static long serverMs(List<byte[]> reply) {
        long seconds = Long.parseLong(new String(reply.get(0), StandardCharsets.US_ASCII));
        long micros = Long.parseLong(new String(reply.get(1), StandardCharsets.US_ASCII));
        return seconds * 1000 + micros / 1000;
    }
}
