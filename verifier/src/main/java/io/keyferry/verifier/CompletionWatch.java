package io.keyferry.verifier;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks {@link Completion} every half second (on the embedded broker every 50 ms), on a thread of its
 * own, whether the run is complete.
 * The question reads the progress topic and two groups' offsets, hundreds of milliseconds on a
 * busy machine: asked on the verifier's thread, it held verification to a few hundred keys per
 * check while the migrator ran.
 *
 * <p>An answer holds for one generation: the verifier calls {@link #invalidate()} once it has
 * committed keys re-queued for another pass, so an end taken before them does not count.
 */
final class CompletionWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionWatch.class);
    /**
     * How often: on a real cluster every half second, which keeps the admin requests of many runs
     * light; on the embedded broker, where a run of a few keys is over in a second, every 50 ms.
     */
    private static final long INTERVAL_MS = 500;
    private static final long EMBEDDED_INTERVAL_MS = 50;
    private final long intervalMs;

    private final Completion completion;
    private final KafkaClients clients;
    private final AtomicLong generation = new AtomicLong();
    private volatile long completeIn = -1;
    private volatile boolean closed;
    private final Thread thread;

    CompletionWatch(Completion completion, KafkaClients clients, String run) {
        this.completion = completion;
        this.clients = clients;
        this.intervalMs = clients.settings().bootstrapServers() == null ? EMBEDDED_INTERVAL_MS : INTERVAL_MS;
        this.thread = new Thread(this::watch, "keyferry-completion-" + run);
        thread.setDaemon(true);
        thread.start();
    }

    /** The run has more to do than any end taken so far: take it again. */
    void invalidate() {
        generation.incrementAndGet();
    }

    /** How often it asks: the verifier polls no longer than this, so an answer is seen as it comes. */
    long intervalMs() {
        return intervalMs;
    }

    boolean complete() {
        return completeIn == generation.get();
    }

    private void watch() {
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, Long> end = null;
            long endIn = -1;
            while (!closed) {
                long gen = generation.get();
                try {
                    if (end == null || endIn != gen) {
                        end = completion.resultsEndOnceMigrated(admin);
                        endIn = gen;
                    }
                    if (end != null && completion.verifiedUpTo(admin, end)) {
                        completeIn = gen;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the broker may be restarting: ask again next time
                    LOG.debug("cannot tell yet whether the run is complete: {}", RedisEndpoint.redact(String.valueOf(e.getMessage())));
                }
                try {
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
