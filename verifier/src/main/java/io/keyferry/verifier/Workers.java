package io.keyferry.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads a poll's CPU work (hashing values, encoding verdicts) over the machine's cores: on one
 * thread the verifier was the slowest stage of a run, at a full core while the migrator and
 * Redis had room to spare. The calling thread takes the first chunk itself.
 */
final class Workers implements AutoCloseable {
    /** Chunks of fewer keys than this are not worth a hand-over. */
    private static final int MIN_CHUNK = 16;

    interface Chunk {
        void run(int from, int to);
    }

    private final int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private final ExecutorService pool;

    Workers(String name) {
        AtomicInteger n = new AtomicInteger();
        pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code chunk} over [0, n) in up to one chunk per core, and returns once all are done. */
    void forEachChunk(int n, Chunk chunk) {
        int parts = pool == null ? 1 : Math.max(1, Math.min(threads, n / MIN_CHUNK));
        int size = (n + parts - 1) / Math.max(1, parts);
        List<Future<?>> others = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            int from = p * size;
            int to = Math.min(n, from + size);
            if (from < to) {
                others.add(pool.submit(() -> chunk.run(from, to)));
            }
        }
        chunk.run(0, Math.min(n, size));
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while verifying", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
