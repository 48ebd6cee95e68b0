package io.keyferry.core.rate;

import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Tries an action again after failures that pass, waiting between tries as a {@link Backoff}
 * says: the one retry loop of the scanner, the migrator and the verifier. Immutable; each
 * {@link #call} has its own backoff.
 */
public final class Retry {
    /** Told of each failure that will be tried again, before the wait. */
    public interface Listener {
        void retrying(int attempt, RuntimeException failure, long waitMs);
    }

    /** Thrown by {@link #call} when the {@link #until} condition holds after a failure: the caller stops. */
    public static final class Stopped extends RuntimeException {
        Stopped(RuntimeException last) {
            super("stopped while retrying: " + last.getMessage(), last);
        }
    }

    private final int attempts;
    private final Predicate<RuntimeException> passing;
    private final long firstMs;
    private final long maxMs;
    private final BooleanSupplier stop;

    private Retry(int attempts, Predicate<RuntimeException> passing, long firstMs, long maxMs, BooleanSupplier stop) {
        this.attempts = attempts;
        this.passing = passing;
        this.firstMs = firstMs;
        this.maxMs = maxMs;
        this.stop = stop;
    }

    /** Tries until it works (or {@link #until} says to stop), after any failure, waiting 200 ms doubling to 5 s. */
    public static Retry forever() {
        return new Retry(0, e -> true, Backoff.FIRST_MS, Backoff.MAX_MS, () -> false);
    }

    /** As {@link #forever()}, for at most {@code tries} tries in all. */
    public static Retry upTo(int tries) {
        if (tries < 1) {
            throw new IllegalArgumentException("at least one try, got " + tries);
        }
        return new Retry(tries, e -> true, Backoff.FIRST_MS, Backoff.MAX_MS, () -> false);
    }

    /** Only failures {@code passing} accepts are tried again; any other is thrown at once. */
    public Retry onlyIf(Predicate<RuntimeException> passing) {
        return new Retry(attempts, passing, firstMs, maxMs, stop);
    }

    /** Waits from {@code firstMs} doubling to {@code maxMs}. */
    public Retry waiting(long firstMs, long maxMs) {
        new Backoff(firstMs, maxMs); // checks them
        return new Retry(attempts, passing, firstMs, maxMs, stop);
    }

    /** After a failure, {@code stop} is asked before waiting: when it holds, {@link #call} throws {@link Stopped}. */
    public Retry until(BooleanSupplier stop) {
        return new Retry(attempts, passing, firstMs, maxMs, stop);
    }

    /**
     * The action's value, trying again after failures that pass.
     *
     * @throws RuntimeException     the last failure, when it does not pass or the tries are spent
     * @throws Stopped              when {@link #until} says to stop after a failure
     * @throws InterruptedException when interrupted while waiting
     */
    public <T> T call(Supplier<T> action, Listener listener) throws InterruptedException {
        Backoff backoff = new Backoff(firstMs, maxMs);
        for (int attempt = 1; ; attempt++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                if ((attempts > 0 && attempt >= attempts) || !passing.test(e)) {
                    throw e;
                }
                if (stop.getAsBoolean()) {
                    throw new Stopped(e);
                }
                long wait = backoff.take();
                listener.retrying(attempt, e, wait);
                Thread.sleep(wait);
            }
        }
    }
}
