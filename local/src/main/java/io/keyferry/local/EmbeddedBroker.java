package io.keyferry.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node KRaft Kafka (combined broker + controller) whose data lives in a
 * keyferry state dir, so {@code keyferry run} works without an external cluster and its topics
 * survive restarts of keyferry.
 *
 * <p>Layout of {@code dataDir}: {@code log/} (Kafka data and metadata log), {@code keyferry.lock}
 * (held while a broker runs), {@code bootstrap.txt} (address of the running broker, for other
 * keyferry processes; see {@link #runningAt(Path)}).
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    static final String BOOTSTRAP_FILE = "bootstrap.txt";
    static final String LOG_SUBDIR = "log";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final int START_ATTEMPTS = 3;

    private final Path dataDir;
    private final StateDirLock lock;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedBroker(Path dataDir, StateDirLock lock, KafkaRaftServer server, String bootstrapServers) {
        this.dataDir = dataDir;
        this.lock = lock;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Whether {@code dataDir} holds a broker's data (it was formatted and started before). */
    public static boolean hasData(Path dataDir) {
        return Files.exists(dataDir.resolve(LOG_SUBDIR).resolve("meta.properties"));
    }

    /**
     * Starts (formatting on first use) a broker on {@code dataDir} and waits until it serves requests.
     *
     * @throws IllegalStateException if another process (or another broker in this JVM) uses the dir,
     *                               or the broker does not come up within 60 s
     */
    public static EmbeddedBroker start(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path logDir = dir.resolve(LOG_SUBDIR);
        StateDirLock lock = null;
        try {
            Files.createDirectories(logDir);
            // Our own lock, taken before Kafka touches anything: a clear one-line error instead of
            // Kafka's log-dir lock failure halfway through startup.
            lock = StateDirLock.tryTake(dir);
            if (lock == null) {
                throw inUse(dir);
            }
            formatIfNeeded(logDir);
            RuntimeException last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int[] ports = freePorts(2);
                KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config(logDir, ports[0], ports[1])), Time.SYSTEM);
                String bootstrap = "127.0.0.1:" + ports[0];
                try {
                    server.startup();
                    awaitReady(bootstrap);
                    createOffsetsTopic(bootstrap);
                    writeBootstrapFile(dir, bootstrap);
                } catch (IOException e) {
                    stopQuietly(server);
                    throw e;
                } catch (RuntimeException | Error e) {
                    stopQuietly(server);
                    if (isLockFailure(e)) {
                        throw inUse(dir);
                    }
                    // The probed ports may have been taken by someone else meanwhile; try new ones.
                    if (hasCause(e, BindException.class) && attempt < START_ATTEMPTS) {
                        last = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                        continue;
                    }
                    throw new IllegalStateException("embedded Kafka broker in " + dir + " failed to start: "
                            + rootMessage(e), e);
                }
                LOG.info("embedded Kafka broker running at {} (state dir {})", bootstrap, dir);
                return new EmbeddedBroker(dir, lock, server, bootstrap);
            }
            throw new IllegalStateException("embedded Kafka broker in " + dir + " failed to start: " + rootMessage(last), last);
        } catch (IOException e) {
            release(lock);
            throw new UncheckedIOException("cannot prepare Kafka state dir " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            release(lock);
            throw e;
        }
    }

    /**
     * The data dir at rest, for reading its topics without a broker: locked (no broker starts on it
     * until {@link AtRest#close()}), with its log dir. Empty when a broker runs on it, another
     * keyferry process holds it, it holds no data, or its broker did not shut down cleanly (its logs
     * need the recovery a broker's start does).
     */
    public static Optional<AtRest> atRest(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path logDir = dir.resolve(LOG_SUBDIR);
        if (!hasData(dir)) {
            return Optional.empty();
        }
        try {
            StateDirLock lock = StateDirLock.tryTake(dir);
            if (lock == null) {
                return Optional.empty();
            }
            // Kafka removes this file when it starts and writes it when it has shut down cleanly.
            if (!Files.exists(logDir.resolve(".kafka_cleanshutdown"))) {
                lock.close();
                return Optional.empty();
            }
            return Optional.of(new AtRest(logDir, lock));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether a keyferry process holds {@code dataDir} now (its broker runs, or it reads the dir at rest). */
    public static boolean locked(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (StateDirLock lock = StateDirLock.tryTake(dir)) {
            return lock == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** A data dir locked for reading at rest. */
    public static final class AtRest implements AutoCloseable {
        private final Path logDir;
        private final StateDirLock lock;

        private AtRest(Path logDir, StateDirLock lock) {
            this.logDir = logDir;
            this.lock = lock;
        }

        /** Kafka's log dir: one directory per topic partition. */
        public Path logDir() {
            return logDir;
        }

        @Override
        public void close() {
            lock.close();
        }
    }

    /**
     * @return the bootstrap address of a broker that another (or this) keyferry process runs on
     *         {@code dataDir}, if its {@code bootstrap.txt} exists and the port accepts connections
     */
    public static Optional<String> runningAt(Path dataDir) {
        Path file = dataDir.toAbsolutePath().normalize().resolve(BOOTSTRAP_FILE);
        String address;
        try {
            address = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // A stale file survives a SIGKILLed owner; only a listening port proves a live broker.
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.substring(0, colon), port), 1000);
            return Optional.of(address);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Controlled shutdown; removes {@code bootstrap.txt} and releases the state-dir lock. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // Delete first so no other process picks up an address that is about to go away.
            Files.deleteIfExists(dataDir.resolve(BOOTSTRAP_FILE));
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dataDir.resolve(BOOTSTRAP_FILE), e.toString());
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.close();
        }
        LOG.info("embedded Kafka broker stopped (state dir {})", dataDir);
    }

    private static Properties config(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        // Static quorum (kraft.version 0): the voter address comes from config on every start, so the
        // controller port may differ between restarts. A dynamic quorum would pin it in the metadata log.
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", logDir.toString());
        // Single node: every internal topic must fit on one replica or group/transaction features fail.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        // One node serves every group and transaction: Kafka's 50 partitions each for offsets and
        // transaction state are 100 logs to load and coordinators to elect on every start (about a
        // second of it). Applies to a state dir formatted from now on; older ones keep their 50.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        // Only the progress topic is compacted, and it is small: the cleaner's default 128 MiB
        // buffer took a third of a second to allocate on every start.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 << 20));
        Set<String> known = KafkaConfig.configDef().names();
        putIfKnown(p, known, "share.coordinator.state.topic.replication.factor", "1");
        putIfKnown(p, known, "share.coordinator.state.topic.min.isr", "1");
        // Transactions v2: a transactional producer's first batch to a partition in a new transaction
        // has the broker add the partition to it, and while the coordinator still finishes the
        // producer's previous transaction it answers CONCURRENT_TRANSACTIONS. The broker retries that
        // for only 100 ms by default, then fails the batch; the producer's later batches to that
        // partition, already sent, are refused as out of order (an ERROR each in the broker's log)
        // until it sends them again, in order. Nothing is lost, but a run's first transactions on a
        // busy machine took up to 0.8 s to finish: wait up to 5 s instead (capped by the broker at
        // request.timeout.ms). See docs/reliability.md.
        p.put("add.partitions.to.txn.retry.backoff.max.ms", "5000");
        // Nobody else will join the group; don't wait 3 s for them.
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics are created explicitly with keyferry's settings; a typo must not create a stray topic.
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        return p;
    }

    private static void putIfKnown(Properties p, Set<String> known, String key, String value) {
        if (known.contains(key)) {
            p.put(key, value);
        }
    }

    private static void formatIfNeeded(Path logDir) throws IOException {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // already formatted: keep cluster id and data
        }
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream())) // it prints to stdout by default
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(java.util.List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setHasDynamicQuorum(false)
                .setIgnoreFormatted(true);
        try {
            formatter.run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("formatting " + logDir + " failed: " + e.getMessage(), e);
        }
    }

    private static void awaitReady(String bootstrap) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        Throwable last = null;
        try (Admin admin = Admin.create(conf)) {
            while (System.nanoTime() < deadline) {
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                            .nodes().get(6, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
        throw new IllegalStateException("embedded Kafka broker at " + bootstrap + " did not become ready within "
                + READY_TIMEOUT_MS / 1000 + " s" + (last == null ? "" : " (" + rootMessage(last) + ")"), last);
    }

    /**
     * Has the broker create its group coordinator's topic now, in the background, ahead of the run's
     * topics, rather than when the run first commits a group's offsets: on a new state dir that
     * commit waited for the topic's creation behind the run's topics, and then for its own retry, a
     * few tenths of a second in all. Looking up a group's coordinator is what makes the broker create
     * it. (Transactions' topic is left to the first transactional producer: the admin's lookup of a
     * transaction's coordinator retries without pause while the topic is made.)
     */
    private static void createOffsetsTopic(String bootstrap) {
        Thread t = new Thread(() -> {
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.CLIENT_ID_CONFIG, "keyferry-coordinator-probe",
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
                admin.listConsumerGroupOffsets("keyferry-coordinator-probe").all().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // The run's first commit asks again; this only made it sooner.
                LOG.debug("group coordinator probe: {}", e.toString());
            }
        }, "keyferry-offsets-topic");
        t.setDaemon(true);
        t.start();
    }

    private static void writeBootstrapFile(Path dir, String bootstrap) throws IOException {
        Path tmp = dir.resolve(BOOTSTRAP_FILE + ".tmp");
        Files.writeString(tmp, bootstrap + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, dir.resolve(BOOTSTRAP_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(BOOTSTRAP_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int[] freePorts(int n) throws IOException {
        // Hold all sockets open together so the n ports are distinct.
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException | Error e) {
            LOG.debug("shutdown after failed start: {}", e.toString());
        }
    }

    private static void release(StateDirLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    private static IllegalStateException inUse(Path dir) {
        return new IllegalStateException("state dir " + dir + " is in use by another keyferry process");
    }

    private static boolean isLockFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("Failed to acquire lock")) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public String toString() {
        return "EmbeddedBroker[" + bootstrapServers + ", " + dataDir + "]";
    }
}
