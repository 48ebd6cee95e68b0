package io.keyferry.core.rate;

/**
 * The waits between tries at something that failed for a passing reason (a Redis restarting, a
 * connection cut): doubling from a first wait up to a ceiling, so a short outage costs little
 * and a long one is not hammered.
 */
public final class Backoff {
    /** The scanner's and the verifier's: 200 ms doubling to 5 s. */
    public static final long FIRST_MS = 200;
    public static final long MAX_MS = 5_000;

    private final long maxMs;
    private long nextMs;

    public Backoff(long firstMs, long maxMs) {
        if (firstMs <= 0 || maxMs < firstMs) {
            throw new IllegalArgumentException("backoff " + firstMs + " to " + maxMs + " ms");
        }
        this.nextMs = firstMs;
        this.maxMs = maxMs;
    }

    public Backoff() {
        this(FIRST_MS, MAX_MS);
    }

    /** How long the next wait will be. */
    public long nextMs() {
        return nextMs;
    }

    /** Waits the next wait; the one after is twice as long, up to the ceiling. */
    public void pause() throws InterruptedException {
        long ms = nextMs;
        nextMs = Math.min(nextMs * 2, maxMs);
        Thread.sleep(ms);
    }
}
