package io.keyferry.core.rate;

/** Paces calls to at most {@code perSecond} (0: unlimited) by sleeping, without bursts above a second's worth. */
public final class RateLimiter {
    private final double perSecond;
    private long next = System.nanoTime();

    public RateLimiter(double perSecond) {
        this.perSecond = perSecond;
    }

    public synchronized void acquire() {
        if (perSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        long interval = (long) (1_000_000_000L / perSecond);
        next = Math.max(next, now - 1_000_000_000L) + interval;
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
