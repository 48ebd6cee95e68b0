package io.keyferry.core.rate;

/**
 * Paces calls to at most {@code perSecond} (0: unlimited) by sleeping, allowing bursts of at most
 * a tenth of a second's worth after an idle spell. The rate can change while in use: a migrator
 * replica's share of the run's --rps moves with the partitions it owns.
 */
public final class RateLimiter {
    private static final long BURST_NANOS = 100_000_000L;

    private volatile double perSecond;
    private long next = System.nanoTime();

    public RateLimiter(double perSecond) {
        this.perSecond = perSecond;
    }

    public void setPerSecond(double perSecond) {
        this.perSecond = perSecond;
    }

    public double perSecond() {
        return perSecond;
    }

    public synchronized void acquire() {
        double rate = perSecond;
        if (rate <= 0) {
            return;
        }
        long now = System.nanoTime();
        long interval = (long) (1_000_000_000L / rate);
        next = Math.max(next, now - BURST_NANOS) + interval;
        long wait = next - now;
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
