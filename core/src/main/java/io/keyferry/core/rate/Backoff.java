package io.keyferry.core.rate;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The waits between tries at something that failed for a passing reason (a Redis restarting, a
 * connection cut): doubling from a first wait up to a ceiling, so a short outage costs little
 * and a long one is not hammered. Each wait is jittered, anywhere from half of it to all of it,
 * so replicas that failed together do not all try again at the same moment.
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

    /** The longest the next wait can be. */
    public long nextMs() {
        return nextMs;
    }

    /** The next wait, jittered: between half of {@link #nextMs()} and all of it. The one after is up to twice as long. */
    public long take() {
        long ms = nextMs;
        nextMs = Math.min(nextMs * 2, maxMs);
        return ms - ThreadLocalRandom.current().nextLong(ms / 2 + 1);
    }

    /** Waits the next wait ({@link #take()}). */
    public void pause() throws InterruptedException {
        Thread.sleep(take());
    }
}
