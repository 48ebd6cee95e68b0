package io.keyferry.producer;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.rules.Glob;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.KeyspaceEvents;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The producer's live half for {@code --follow}: hears the source's key-space notifications and
 * publishes a key reference for every change of a key in scope, on the partition a record keyed
 * by the key goes to, so that all of a key's changes (and, with {@link Scanner#alignedTo}, its
 * snapshot reference) are on one partition, in order, for one migrator task. What it heard since
 * it last published goes out as one page per partition.
 *
 * <p>Notifications are fire-and-forget. Every subscription after the first (a reconnect) means
 * changes may have gone unheard: {@link #passesWanted()} counts them, and the run walks the scope
 * again once for each (a scan pass under the same run).
 */
public final class Follower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    /** The scanner id of the references it publishes. */
    public static final String SCANNER = KeyRef.FOLLOWER;

    private final ScanConfig config;
    private final KafkaClients clients;
    private final List<Glob> globs;
    private final Set<RedisKey> explicit;
    private final BlockingQueue<Heard> changes = new LinkedBlockingQueue<>();
    private final io.keyferry.core.metrics.Metrics metrics;

    /** A change of a key, and when it was heard. */
    private record Heard(RedisKey key, long atMs) {
    }
    /** The keys whose changes it published, and when each was last heard. */
    private final java.util.concurrent.ConcurrentHashMap<RedisKey, Long> touched = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong lastChangeMs = new AtomicLong();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final Thread publisher;
    private volatile boolean closed;
    private KeyspaceEvents events;

    private final int partitions;

    private Follower(ScanConfig config, KafkaClients clients, io.keyferry.core.metrics.Metrics metrics, int partitions) {
        this.metrics = metrics;
        this.partitions = partitions;
        this.config = config;
        this.clients = clients;
        this.globs = config.matches().stream().map(Glob::of).toList();
        this.explicit = Set.copyOf(config.keys());
        this.publisher = new Thread(this::publish, "keyferry-follow-" + config.run());
        publisher.setDaemon(true);
    }

    /**
     * Subscribes to {@code source}'s notifications (checking, or with {@code setConfig} setting,
     * its {@code notify-keyspace-events}) and starts publishing; returns once the subscription is
     * in place, so a snapshot scan started afterwards misses no change.
     *
     * @throws ConfigException naming --follow for a scope it cannot follow yet, or the source's
     *                         option for a server that does not notify
     */
    public static Follower start(ScanConfig config, RedisEndpoint source, boolean setConfig, KafkaClients clients,
                                 io.keyferry.core.metrics.Metrics metrics, int partitions) {
        if (!config.types().isEmpty()) {
            throw new ConfigException("--follow", "cannot follow a scope chosen by --type yet; choose it by --match or --keys-file");
        }
        if (config.maxKeys() > 0) {
            throw new ConfigException("--follow", "follows every key of the scope; --max-keys cannot go with it");
        }
        Follower f = new Follower(config, clients, metrics, partitions);
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        f.events = KeyspaceEvents.subscribe(source, setConfig, new KeyspaceEvents.Listener() {
            @Override
            public void subscribed() {
                if (f.subscriptions.incrementAndGet() > 1) {
                    f.metrics.gap(config.workspace());
                    LOG.warn("the source's notifications were re-subscribed: changes made meanwhile may not have been heard; "
                            + "the scope is walked again");
                }
                first.countDown();
            }

            @Override
            public void changed(RedisKey key, String event) {
                if (f.inScope(key)) {
                    long now = System.currentTimeMillis();
                    f.lastChangeMs.set(now);
                    f.changes.add(new Heard(key, now));
                }
            }

            @Override
            public void failed(RuntimeException e) {
                f.failure.compareAndSet(null, e);
            }
        });
        try {
            if (!first.await(30, TimeUnit.SECONDS)) {
                f.close();
                throw new IllegalStateException("the source's notifications were not subscribed within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.close();
            throw new IllegalStateException("interrupted while subscribing to the source's notifications", e);
        }
        f.publisher.start();
        return f;
    }

    boolean inScope(RedisKey key) {
        if (!explicit.isEmpty()) {
            return explicit.contains(key);
        }
        return globs.isEmpty() || globs.stream().anyMatch(g -> g.matches(key.unsafeBytes()));
    }

    /** Scan passes wanted so far: one for each subscription after the first. */
    public int passesWanted() {
        return Math.max(0, subscriptions.get() - 1);
    }

    /** Change references published so far. */
    public long published() {
        return published.get();
    }

    /** When the last change in scope was heard (epoch ms), 0 before any. */
    public long lastChangeMs() {
        return lastChangeMs.get();
    }

    /** Whether every change heard so far is on the keys topic, acknowledged. */
    public boolean drained() {
        return changes.isEmpty() && inFlight.get() == 0;
    }

    /** The keys whose changes it published: the ones a cut-over looks at once more. */
    public Set<RedisKey> touched() {
        return Set.copyOf(touched.keySet());
    }

    /** The keys of changes heard at or after {@code sinceMs} and published. */
    public Set<RedisKey> touchedSince(long sinceMs) {
        Set<RedisKey> out = new HashSet<>();
        touched.forEach((k, at) -> {
            if (at >= sinceMs) {
                out.add(k);
            }
        });
        return out;
    }

    /** Why following stopped, or null while it goes on. */
    public RuntimeException failure() {
        return failure.get();
    }

    private final AtomicInteger inFlight = new AtomicInteger();

    private void publish() {
        String topic = clients.topic(Topics.KEYS);
        long seq = 0;
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("keyferry-follow-" + config.run())) {
            while (!closed) {
                Heard first = changes.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Heard> batch = new ArrayList<>();
                batch.add(first);
                inFlight.incrementAndGet();
                changes.drainTo(batch, 999);
                inFlight.addAndGet(batch.size() - 1);
                // A burst of changes of one key needs one reference: its migrator reads the latest value.
                java.util.Map<RedisKey, Long> seen = new java.util.LinkedHashMap<>();
                for (Heard h : batch) {
                    seen.putIfAbsent(h.key(), h.atMs());
                }
                // One record per partition, on the partition a record keyed by each of its keys goes
                // to (as the scanner's aligned pages): a key's references stay in order on one
                // partition, and the migrator takes a page's keys together.
                java.util.Map<Integer, List<RedisKey>> pages = new java.util.TreeMap<>();
                java.util.Map<Integer, Long> firstHeard = new HashMap<>();
                seen.forEach((key, at) -> {
                    int p = Scanner.partitionOf(key, partitions);
                    pages.computeIfAbsent(p, x -> new ArrayList<>()).add(key);
                    firstHeard.merge(p, at, Math::min);
                });
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (java.util.Map.Entry<Integer, List<RedisKey>> e : pages.entrySet()) {
                    List<RedisKey> all = e.getValue();
                    for (int from = 0; from < all.size(); from += Scanner.PAGE_KEYS) {
                        List<RedisKey> page = all.subList(from, Math.min(from + Scanner.PAGE_KEYS, all.size()));
                        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, e.getKey(), page.get(0).bytes(),
                                Json.encodePage(config.run(), config.workspace(), SCANNER, seq, page));
                        seq += page.size();
                        // the lag counts from the page's earliest change
                        rec.headers().add(io.keyferry.core.follow.HeardHeader.NAME,
                                io.keyferry.core.follow.HeardHeader.of(firstHeard.get(e.getKey())));
                        sends.add(producer.send(rec));
                    }
                }
                seen.keySet().forEach(k -> metrics.changeSeen(config.workspace()));
                producer.flush();
                for (Future<RecordMetadata> f : sends) {
                    Sends.await(f);
                }
                batch.forEach(h -> touched.merge(h.key(), h.atMs(), Math::max));
                published.addAndGet(seen.size());
                inFlight.addAndGet(-batch.size());
                LOG.debug("follow: {} changes published", seen.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("following the source's changes stopped: {}", RedisEndpoint.redact(String.valueOf(e.getMessage())));
            failure.compareAndSet(null, e);
        }
    }

    /** Stops hearing changes; what was heard is published first (at most 10 s). */
    @Override
    public void close() {
        if (events != null) {
            events.close();
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (!drained() && failure.get() == null && System.currentTimeMillis() < deadline && publisher.isAlive()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        try {
            publisher.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
