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

    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    public MigratorApp(MigrateConfig config, KafkaClients clients, KeyMigrator migrator, Path stateDir) {
        Properties p = new Properties();
        p.putAll(clients.common());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, clients.migratorApplicationId(config.run()));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The topology keeps no state stores, so each replica gets a directory of its own: several
        // replicas on one machine with the same --state-dir must not fight over Streams' lock.
        p.put(StreamsConfig.STATE_DIR_CONFIG,
                stateDir.resolve("streams").resolve(config.run() + "-" + ProcessHandle.current().pid()).toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // A replica that died (kill -9) holds its partitions until its session expires: keep that
        // short so a restarted or surviving replica takes over within seconds, not the default 45 s.
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10_000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 2_000);
        var topology = MigratorTopology.build(clients.topic(Topics.KEYS), clients.topic(Topics.RESULTS),
                clients.topic(Topics.DLQ), config.run(), migrator);
        streams = new KafkaStreams(topology, p);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("migrator stopped: {}", e.toString());
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            LOG.debug("migrator state {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
    }

    public void start() {
        streams.start();
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

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        stopped.countDown();
    }
}
