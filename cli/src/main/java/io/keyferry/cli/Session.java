package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.local.EmbeddedBroker;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.RedisStore;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one command opens — Redis stores, the broker, the roles — closed in reverse order on
 * return and from a shutdown hook on SIGTERM/Ctrl-C, so nothing is left running.
 */
final class Session implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** How long a read-only command waits for a state dir another keyferry process holds without a broker. */
    private static final long LOCKED_WAIT_S = 10;

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    private final Thread hook;

    Session() {
        // On SIGTERM/Ctrl-C: ask the command to stop, give it time to finish its current batch and
        // close in order, and only then close whatever it left open.
        hook = new Thread(() -> {
            stopping.set(true);
            try {
                finished.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
        }, "keyferry-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean stopping() {
        return stopping.get();
    }

    void stop() {
        stopping.set(true);
    }

    <T extends AutoCloseable> T own(T resource) {
        synchronized (open) {
            open.push(resource);
        }
        return resource;
    }

    RedisStore redis(RedisEndpoint endpoint) {
        try {
            return own(RedisStore.connect(endpoint));
        } catch (io.keyferry.redis.RedisUnavailableException e) {
            if (endpoint.tls() && untrusted(e)) {
                throw new io.keyferry.redis.RedisUnavailableException(e.getMessage() + "; the server's certificate is not "
                        + "trusted: check " + endpoint.option() + "-ca-file", e);
            }
            throw e;
        }
    }

    /** A TLS handshake that failed on the server's certificate (rather than on the network). */
    private static boolean untrusted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.security.cert.CertificateException || t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Connects and checks the server offers the commands the copy mode needs (hosted stores may
     * disable DUMP/RESTORE or scripting), so a run fails at start-up rather than key by key.
     */
    RedisStore redis(RedisEndpoint endpoint, boolean dumpMode, String why) {
        RedisStore store = redis(endpoint);
        java.util.Set<String> missing = store.missingCommands(dumpMode);
        if (!missing.isEmpty()) {
            throw new io.keyferry.core.config.ConfigException(endpoint.option(), "the server does not offer "
                    + String.join(", ", missing).toUpperCase(java.util.Locale.ROOT) + ", which " + why + " needs");
        }
        return store;
    }

    /**
     * Metrics for the role, served with /health and /ready on {@code port} when it is not 0.
     *
     * @param health what /health reports beyond Kafka: e.g. the run, the mode and Redis pings
     */
    io.keyferry.core.metrics.Metrics observe(int port, io.keyferry.kafka.KafkaClients clients, String run, String role,
                                             String mode, RedisStore source, RedisStore target,
                                             java.util.function.BooleanSupplier ready) {
        return observe(port, clients, run, role, mode, source, target, ready, null);
    }

    /** As above, for a role that knows the run's workspace (a scan's --workspace): its series start at 0 too. */
    io.keyferry.core.metrics.Metrics observe(int port, io.keyferry.kafka.KafkaClients clients, String run, String role,
                                             String mode, RedisStore source, RedisStore target,
                                             java.util.function.BooleanSupplier ready, String workspace) {
        if (port == 0) {
            return io.keyferry.core.metrics.Metrics.NONE;
        }
        io.keyferry.ops.PrometheusMetrics metrics = new io.keyferry.ops.PrometheusMetrics(
                workspace == null ? java.util.List.of() : java.util.List.of(workspace));
        try {
            own(io.keyferry.ops.OpsServer.start(port, metrics,
                    () -> Health.json(clients, run, role, mode, source, target), ready));
        } catch (java.io.IOException e) {
            throw new io.keyferry.core.config.ConfigException("--http-port", "cannot listen on " + port + ": " + e.getMessage());
        }
        return metrics;
    }

    /** Source and target checked for what the migration config needs of them. */
    RedisStore[] migrationStores(io.keyferry.core.config.MigrateConfig config) {
        boolean dump = config.copy() == io.keyferry.core.model.CopyMode.DUMP;
        RedisStore s = redis(config.source(), dump, dump ? "--copy dump" : "--copy struct");
        RedisStore t = redis(config.target(), config.targetNeedsDump(),
                dump ? "--copy dump" : "--on-conflict replace-if-different (to keep byte-exact backups)");
        return new RedisStore[] {s, t};
    }

    /** Where replaced keys' previous values go: the backup topic when the run may replace keys. */
    io.keyferry.migrator.BackupSink backups(io.keyferry.core.config.MigrateConfig config, io.keyferry.kafka.KafkaClients clients) {
        boolean replaces = config.mode() == io.keyferry.core.model.Mode.EXECUTE
                && config.onConflict() == io.keyferry.core.model.ConflictPolicy.REPLACE_IF_DIFFERENT;
        return replaces ? own(new io.keyferry.migrator.BackupTopic(clients, config.run())) : io.keyferry.migrator.BackupSink.NONE;
    }

    /**
     * Kafka clients for the given settings, after making sure the run's topics exist: the given
     * brokers; else an embedded broker another keyferry process already runs on this state dir;
     * else a new embedded broker, owned (and stopped) by this command.
     */
    KafkaClients kafka(KafkaSettings settings) {
        return kafka(settings, broker(settings));
    }

    /**
     * As {@link #kafka(KafkaSettings)}, with the broker from {@link #brokerStarting}: its start
     * overlaps whatever the command did meanwhile (connecting to Redis), and the topics are made
     * only now, once the command has checked what it needed to.
     */
    KafkaClients kafka(KafkaSettings settings, java.util.concurrent.CompletableFuture<String> broker) {
        try {
            return kafka(settings, broker.join());
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /**
     * The broker's address, starting the embedded broker in the background where one is needed.
     * Whatever becomes of the command, the session waits for that start before it closes, so a
     * broker it started is stopped.
     */
    java.util.concurrent.CompletableFuture<String> brokerStarting(KafkaSettings settings) {
        var starting = java.util.concurrent.CompletableFuture.supplyAsync(() -> broker(settings));
        own(() -> starting.handle((bootstrap, failure) -> bootstrap).join());
        return starting;
    }

    private String broker(KafkaSettings settings) {
        String bootstrap = settings.bootstrapServers();
        if (bootstrap == null) {
            Optional<String> running = EmbeddedBroker.runningAt(settings.stateDir().resolve("kafka"));
            if (running.isPresent()) {
                bootstrap = running.get();
                LOG.info("using the embedded broker already running on {}", settings.stateDir());
            } else {
                LOG.info("starting an embedded Kafka broker under {}", settings.stateDir());
                bootstrap = own(EmbeddedBroker.start(settings.stateDir().resolve("kafka"))).bootstrapServers();
            }
        }
        return bootstrap;
    }

    private KafkaClients kafka(KafkaSettings settings, String bootstrap) {
        KafkaClients clients = new KafkaClients(settings, bootstrap);
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, settings);
        }
        return clients;
    }

    /**
     * Kafka clients for a command that reads what runs left (status, audit, rollback): the given
     * brokers, or the embedded broker's data under --state-dir. It never formats a new broker or
     * creates topics: a --state-dir that holds no broker data is refused, naming the option.
     */
    KafkaClients existingKafka(KafkaSettings settings) {
        String bootstrap = settings.bootstrapServers();
        if (bootstrap == null) {
            java.nio.file.Path data = settings.stateDir().resolve("kafka");
            if (!EmbeddedBroker.hasData(data)) {
                throw new io.keyferry.core.config.ConfigException("--state-dir", "no keyferry data under "
                        + settings.stateDir().toAbsolutePath().normalize() + ": give the --state-dir the run used, "
                        + "or --bootstrap-servers");
            }
            Optional<String> running = EmbeddedBroker.runningAt(data);
            if (running.isPresent()) {
                bootstrap = running.get();
            } else {
                LOG.info("starting the embedded Kafka broker under {}", settings.stateDir());
                bootstrap = own(EmbeddedBroker.start(data)).bootstrapServers();
            }
        }
        return new KafkaClients(settings, bootstrap);
    }

    /** What a command that only reads topics does with the clients it is given. */
    interface Reading<T> {
        T apply(KafkaClients clients) throws Exception;
    }

    /**
     * Runs a command that only reads topics: on the embedded broker's data under --state-dir read at
     * rest when no broker runs on it (no broker to start and stop: a second or two less), else as
     * {@link #existingKafka} gives. A read at rest that meets what only a broker can answer (a
     * transaction still open, the consumer groups of a run not finished) is done again on a broker;
     * {@code command} must have printed nothing before then.
     */
    <T> T reading(KafkaSettings settings, Reading<T> command) throws Exception {
        if (settings.bootstrapServers() == null) {
            java.nio.file.Path data = settings.stateDir().resolve("kafka");
            // Another reader at rest holds the state dir for a moment (an operator's status in a
            // loop beside an audit), or another process is starting its broker: wait for either.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(LOCKED_WAIT_S);
            while (EmbeddedBroker.runningAt(data).isEmpty()) {
                Optional<EmbeddedBroker.AtRest> rest = EmbeddedBroker.atRest(data);
                if (rest.isPresent()) {
                    try (EmbeddedBroker.AtRest r = rest.get()) {
                        return command.apply(KafkaClients.atRest(settings, io.keyferry.kafka.LogDirTopics.of(r.logDir())));
                    } catch (io.keyferry.kafka.NeedsBrokerException e) {
                        LOG.info("starting the embedded broker: reading at rest cannot answer ({})", e.getMessage());
                        break;
                    }
                }
                if (!EmbeddedBroker.locked(data) || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(100);
            }
        }
        return command.apply(existingKafka(settings));
    }

    /**
     * What the progress topic says of {@code run}, which must exist there: else the command is
     * refused, naming --run and where it looked.
     */
    static io.keyferry.kafka.ProgressTopic.State requireRun(KafkaClients clients, String run) {
        io.keyferry.kafka.ProgressTopic.State state = null;
        if (hasProgressTopic(clients)) {
            state = new io.keyferry.kafka.ProgressTopic(clients).state(run);
        }
        if (state == null || !state.exists()) {
            KafkaSettings s = clients.settings();
            String where = s.bootstrapServers() == null
                    ? "under --state-dir " + s.stateDir().toAbsolutePath().normalize()
                    : "on --bootstrap-servers " + s.bootstrapServers() + " with --topic-prefix " + s.topicPrefix();
            throw new io.keyferry.core.config.ConfigException("--run", "no run " + run + " " + where);
        }
        return state;
    }

    private static boolean hasProgressTopic(KafkaClients clients) {
        if (clients.stored() != null) {
            return !clients.stored().partitions(clients.topic(Topics.PROGRESS)).isEmpty();
        }
        try (Admin admin = clients.admin()) {
            return admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .contains(clients.topic(Topics.PROGRESS));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new io.keyferry.kafka.KafkaUnavailableException("Kafka did not list its topics: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.keyferry.kafka.KafkaUnavailableException("interrupted while listing topics", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            closeAll();
        } finally {
            finished.countDown();
        }
    }

    private void closeAll() {
        // Each is closed outside the lock: closing one may wait for a broker still starting, which
        // is then owned (and closed next).
        while (true) {
            AutoCloseable c;
            synchronized (open) {
                if (open.isEmpty()) {
                    break;
                }
                c = open.pop();
            }
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("while closing {}: {}", c.getClass().getSimpleName(), RedisEndpoint.redact(String.valueOf(e.getMessage())));
            }
        }
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }
}
