package io.keyferry.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition instead of for a fixed time: the one polling loop the tests share. */
public final class Await {
    private static final long POLL_MS = 50;

    private Await() {
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; returns whether it held. */
    public static boolean until(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(POLL_MS);
        }
        return true;
    }
}
