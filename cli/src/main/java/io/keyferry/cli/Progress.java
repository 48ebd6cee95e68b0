package io.keyferry.cli;

import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.Console;
import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How far a role has got, on stderr while it works: a live bar (done/total, keys/s, ETA) in a
 * terminal, else a plain {@code progress run=.. done=.. total=.. keys_per_s=.. eta=..} line every
 * few seconds, which CI logs and log shippers keep readable. Closed before the summary is printed,
 * so it never mixes into it; stdout (summary, report path) is never touched.
 */
final class Progress implements AutoCloseable {
    static final long UNKNOWN = -1;
    private static final long LINE_EVERY_MS = 5_000;
    private static final long TOTAL_EVERY_MS = 2_000;

    private final String run;
    private final LongSupplier done;
    private final LongSupplier total;
    private final PrintStream err;
    private final ProgressBar bar;
    private final ScheduledExecutorService ticks;
    private final long startNanos = System.nanoTime();
    private final long startDone;
    private volatile long lastTotal = UNKNOWN;
    private volatile LongSupplier lagMs;
    private volatile long lastTotalAt = Long.MIN_VALUE;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param what  what is counted, e.g. {@code run jobs-1}
     * @param done  keys this process has finished so far
     * @param total keys there are to do, {@link #UNKNOWN} while nobody knows; may be slow (it is
     *              asked every few seconds, off the roles' threads)
     */
    private Progress(String what, String run, LongSupplier done, LongSupplier total, boolean terminal, PrintStream err) {
        this.run = run;
        this.done = done;
        this.total = total;
        this.err = err;
        this.startDone = done.getAsLong();
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keyferry-progress");
            t.setDaemon(true);
            return t;
        });
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(what).setInitialMax(-1).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(err)).setUnit(" keys", 1).showSpeed()
                    .setSpeedUnit(ChronoUnit.SECONDS).setUpdateIntervalMillis(500).build();
            ticks.scheduleWithFixedDelay(this::updateBar, 0, 500, TimeUnit.MILLISECONDS);
        } else {
            bar = null;
            ticks.scheduleAtFixedRate(this::printLine, LINE_EVERY_MS, LINE_EVERY_MS, TimeUnit.MILLISECONDS);
        }
    }

    static Progress start(String what, String run, LongSupplier done, LongSupplier total) {
        return new Progress(what, run, done, total, terminal(), System.err);
    }

    /** For tests: a plain-line progress writing to {@code err}. */
    static Progress plain(String run, LongSupplier done, LongSupplier total, PrintStream err) {
        return new Progress("run " + run, run, done, total, false, err);
    }

    /**
     * The run's total as {@code status} counts it: the key references its scanners have published
     * (from the progress topic); unknown until the first page is checkpointed.
     */
    static LongSupplier runTotal(io.keyferry.verifier.Completion completion) {
        return () -> {
            long n = completion.scanned();
            return n > 0 ? n : UNKNOWN;
        };
    }

    /** A {@code --follow} run: also the last change's lag from heard to verdict ({@code lag_ms}), once there is one. */
    Progress following(LongSupplier lagMs) {
        this.lagMs = lagMs;
        return this;
    }

    private String lag() {
        LongSupplier l = lagMs;
        long ms = l == null ? -1 : l.getAsLong();
        return ms < 0 ? "" : " lag_ms=" + ms;
    }

    /** A terminal a person watches, not a pipe or a file (Java 22+ always has a Console). */
    static boolean terminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private long total() {
        long now = System.nanoTime();
        if (lastTotalAt == Long.MIN_VALUE || now - lastTotalAt >= TimeUnit.MILLISECONDS.toNanos(TOTAL_EVERY_MS)) {
            lastTotalAt = now;
            try {
                lastTotal = total.getAsLong();
            } catch (RuntimeException e) {
                // a progress display must never fail the role; keep the last known total
            }
        }
        return lastTotal;
    }

    private void updateBar() {
        long t = total();
        long d = done.getAsLong();
        if (t >= 0) {
            bar.maxHint(Math.max(t, d));
        }
        bar.stepTo(d);
        String lag = lag();
        if (!lag.isEmpty()) {
            bar.setExtraMessage(lag.strip());
        }
    }

    private void printLine() {
        LogFormat.line(err, line(total(), done.getAsLong(), (System.nanoTime() - startNanos) / 1e9));
    }

    /** The plain line; the rate is over this process's life, so a pause does not show as zero at once. */
    String line(long t, long d, double seconds) {
        double rate = seconds <= 0 ? 0 : (d - startDone) / seconds;
        String eta = t < 0 || rate <= 0 ? "unknown" : Math.max(0, (long) Math.ceil((t - d) / rate)) + "s";
        return String.format(Locale.ROOT, "progress run=%s done=%d total=%s keys_per_s=%.1f eta=%s", run, d,
                t < 0 ? "unknown" : Long.toString(t), rate, eta) + lag();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ticks.shutdownNow();
        try {
            ticks.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (bar != null) {
            updateBar();
            bar.close();
        }
    }

    /**
     * The roles' own counting (the {@link Metrics} they already report to) seen by the progress
     * display too: references published, results made, verdicts given by this process.
     */
    static final class Counter implements Metrics {
        private final Metrics delegate;
        private final AtomicLong scanned = new AtomicLong();
        private final AtomicLong processed = new AtomicLong();
        private final AtomicLong verified = new AtomicLong();
        private final AtomicLong lagMs = new AtomicLong(-1);

        Counter(Metrics delegate) {
            this.delegate = delegate;
        }

        @Override
        public void scanned(String workspace, long references) {
            scanned.addAndGet(references);
            delegate.scanned(workspace, references);
        }

        @Override
        public void key(KeyResult result, long nanos) {
            processed.incrementAndGet();
            delegate.key(result, nanos);
        }

        @Override
        public void verdict(AuditRecord audit) {
            verified.incrementAndGet();
            delegate.verdict(audit);
        }

        @Override
        public void deadLetter() {
            delegate.deadLetter();
        }

        @Override
        public void changeSeen(String workspace) {
            delegate.changeSeen(workspace);
        }

        @Override
        public void changeCopied(String workspace) {
            delegate.changeCopied(workspace);
        }

        @Override
        public void followLag(String workspace, long millis) {
            lagMs.set(millis);
            delegate.followLag(workspace, millis);
        }

        @Override
        public void gap(String workspace) {
            delegate.gap(workspace);
        }

        @Override
        public void pass(String workspace) {
            delegate.pass(workspace);
        }

        /** The last change's lag from heard to verdict, ms; -1 before any. */
        long lagMs() {
            return lagMs.get();
        }

        long scanned() {
            return scanned.get();
        }

        long processed() {
            return processed.get();
        }

        long verified() {
            return verified.get();
        }
    }
}
