package io.keyferry.migrator;

import io.keyferry.core.config.MigrateConfig;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Topics;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the migrator topology as one Kafka Streams application per run: every replica started
 * with the same --run joins the same application and shares the keys topic's partitions; resume
 * comes from the offsets Streams commits, exactly once with the results it produced.
 */
public final class MigratorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigratorApp.class);
    /** The longest one key may take; see the Streams properties below. */
    public static final long TRANSACTION_TIMEOUT_MS = 60_000;

    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean closed;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final io.keyferry.kafka.ReplicaSlot slot;
    private final Pacer pacer;
    private final KafkaClients clients;
    private final String run;
    /** Streams threads per replica (one when paced); each has its own Redis connection for pages. */
    public static final int STREAM_THREADS = 2;
    /** Key pages a stream thread buffers per partition when not paced (see below). */
    static final int BUFFERED_PAGES = 5;
    /** How often each stream thread commits (one transaction): 250 ms. */
    static final int COMMIT_INTERVAL_MS = 250;

    /**
     * @param rate the limiter the migrator paces itself with: set every second by a {@link Pacer}
     *             to this replica's share of the run's --rps (of the run's waiting key pages, those
     *             on the partitions it owns), so that however many replicas run, together they stay
     *             at --rps
     */
    public MigratorApp(MigrateConfig config, KafkaClients clients, KeyMigrator migrator, Path stateDir,
                       io.keyferry.core.rate.RateLimiter rate, io.keyferry.core.metrics.Metrics metrics) {
        this(config, clients, migrator, stateDir, rate, metrics, false);
    }

    /** @param follow a {@code --follow} run: target keys the run wrote follow their source ({@link Owned}) */
    public MigratorApp(MigrateConfig config, KafkaClients clients, KeyMigrator migrator, Path stateDir,
                       io.keyferry.core.rate.RateLimiter rate, io.keyferry.core.metrics.Metrics metrics, boolean follow) {
        this.clients = clients;
        this.run = config.run();
        Properties p = new Properties();
        p.putAll(clients.common());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, clients.migratorApplicationId(config.run()));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        this.slot = io.keyferry.kafka.ReplicaSlot.take(stateDir.resolve("streams"), config.run());
        p.put(StreamsConfig.STATE_DIR_CONFIG, slot.dir().toString());
        // Two stream threads: a page waits on Redis up to three times (reads, writes, read-backs),
        // and a second thread works on other partitions meanwhile. More threads keep the cores
        // busier but rebalance more, and Streams commits nothing while a rebalance is in progress,
        // so results stop reaching the verifier for seconds (performance.md, tuning choices).
        // A paced replica keeps one: its pace is split among its threads, and a rebalance waits
        // for each thread's page at that pace.
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.rps() > 0 ? 1 : STREAM_THREADS);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // Each commit is a transaction: a flush the thread waits for, and markers the broker writes
        // to every partition it touched. Streams' 100 ms for exactly-once makes that a good part of
        // the broker's work; the cost of 250 ms: results reach the verifier in chunks of 250 ms.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // Streams' own producer defaults (no compression, 16 KB batches) cost the broker and the
        // verifier more per result than keyferry's other producers (see KafkaClients.producerTuning).
        clients.producerTuning().forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
        // A transaction stays open while a key is copied, and a big key of a million elements takes
        // seconds: Streams' 10 s default would abort it and copy the key again.
        // The cost of a longer timeout: a replica killed and never restarted holds back the results
        // its transaction covered (the verifier reads committed only) for up to this long.
        p.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) TRANSACTION_TIMEOUT_MS);
        // A replica that died (kill -9) holds its partitions until its session expires: keep that
        // short so a restarted or surviving replica takes over within seconds, not the default 45 s.
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10_000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 2_000);
        if (config.rps() == 0) {
            // A stream thread polls again, and so takes part in a rebalance (a replica joining, or
            // this replica's second thread joining a moment after the first took every partition),
            // only once it has worked through all it buffered: by default 1000 records a partition,
            // here 1000 pages of 100 keys, minutes of work while the group and the verifier wait.
            // A few pages keep polls well under a second apart.
            p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, BUFFERED_PAGES);
        } else {
            // A paced replica works through what one poll returned before it polls again, and only
            // a poll lets it take part in a rebalance or commit its transaction: keep that to about
            // a quarter of a second's worth of the run's --rps (a record is a page of up to 100
            // keys), not Streams' 1000 records.
            p.put(StreamsConfig.consumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG),
                    (int) Math.max(1, Math.min(1000, Math.ceil(config.rps() / 400))));
        }
        if (follow && !p.containsKey(StreamsConfig.REPLICATION_FACTOR_CONFIG)) {
            // The owned-keys store's changelog is what a replica taking over a partition restores
            // the run's writes from: replicated like keyferry's own topics, not by the broker's
            // default.replication.factor (1 unless its operators changed it).
            short rf = clients.replicas();
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf);
            Topics.durability(rf).forEach((k, v) -> p.put(StreamsConfig.topicPrefix(k), v));
        }
        var topology = MigratorTopology.build(clients.topic(Topics.KEYS), clients.topic(Topics.RESULTS),
                clients.topic(Topics.DLQ), config.run(), migrator, metrics, follow);
        streams = new KafkaStreams(topology, p,
                new StableTransactionalIds(clients.migratorApplicationId(config.run()), slot.id()));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("migrator stopped: {}", e.toString());
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        // Until the pacer knows better, pace like a replica owning a single partition.
        rate.setPerSecond(config.rps() / clients.settings().partitions());
        streams.setStateListener((now, before) -> {
            LOG.debug("migrator state {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        if (config.rps() > 0) {
            pacer = new Pacer(streams, clients, clients.migratorApplicationId(config.run()), clients.topic(Topics.KEYS),
                    config.rps(), rate);
        } else {
            pacer = null;
        }
    }

    public void start() {
        KeysStart.setIfNew(clients, clients.migratorApplicationId(run), run);
        streams.start();
        if (pacer != null) {
            pacer.start();
        }
    }

    /** Blocks until the application stops (close, or a fatal error). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    public Throwable failure() {
        return failure.get();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Idempotent, and a second caller waits for the first to finish: a run closes it as soon as it
     * is complete, and its session again on the way out, before the broker.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pacer != null) {
            pacer.close();
        }
        streams.close(Duration.ofSeconds(30));
        stopped.countDown();
        slot.close();
    }
}
