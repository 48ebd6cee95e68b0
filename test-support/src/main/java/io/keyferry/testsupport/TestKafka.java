package io.keyferry.testsupport;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker (combined broker + controller) for integration tests, built on
 * Kafka's own {@link KafkaClusterTestKit}. Starting one takes a couple of seconds, so share it per
 * test class:
 *
 * <pre>{@code
 * static TestKafka kafka;
 * @BeforeAll static void up() { kafka = TestKafka.start(); }
 * @AfterAll static void down() { kafka.close(); }
 * }</pre>
 *
 * Tests sharing one broker should use distinct topic names (e.g. per test method).
 */
public final class TestKafka implements AutoCloseable {

    /** The system property that asks for a broker in a container: {@code -Dkeyferry.it.kafka=container}. */
    public static final String MODE = "keyferry.it.kafka";
    /** The image keyferry builds against (its Kafka version). */
    static final String IMAGE = "apache/kafka:4.3.2";

    private final KafkaClusterTestKit cluster;
    private final org.testcontainers.kafka.KafkaContainer container;
    private boolean closed;

    private TestKafka(KafkaClusterTestKit cluster, org.testcontainers.kafka.KafkaContainer container) {
        this.cluster = cluster;
        this.container = container;
    }

    /**
     * A broker for one test class: in a container when {@value #MODE} is {@code container} and
     * Docker is reachable, in this JVM (KRaft) otherwise. Both are configured alike: one node,
     * replication factor 1, no automatic topic creation, no initial rebalance delay.
     */
    public static TestKafka start() {
        if ("container".equals(System.getProperty(MODE))) {
            if (org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
                return inContainer();
            }
            System.err.println("TestKafka: -D" + MODE + "=container, but no Docker is reachable: using the in-process broker");
        }
        return inProcess();
    }

    private static TestKafka inContainer() {
        org.testcontainers.kafka.KafkaContainer c = new org.testcontainers.kafka.KafkaContainer(IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MAX_MS", "5000")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
        c.start();
        return new TestKafka(null, c);
    }

    /** {@code brokers} brokers and one controller in this JVM, otherwise configured as {@link #start()}'s. */
    public static TestKafka start(int brokers) {
        return inProcess(brokers);
    }

    private static TestKafka inProcess() {
        return inProcess(1);
    }

    private static TestKafka inProcess(int brokers) {
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(brokers == 1)
                    .setNumBrokerNodes(brokers)
                    .setNumControllerNodes(1)
                    .setBootstrapMetadata(productionBootstrap())
                    .build();
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    // One replica only: internal topics must not ask for more or groups/transactions stall.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    // Fewer internal partitions: creating 50 on first group use is slow on a small CI box.
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // as the embedded broker: wait for a producer's previous transaction to finish
                    // instead of failing its next batch (see EmbeddedBroker)
                    .setConfigProp("add.partitions.to.txn.retry.backoff.max.ms", "5000")
                    // Same as the embedded production broker: tests must create the topics they use.
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new TestKafka(cluster, null);
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("test Kafka broker failed to start: " + e, e);
        }
    }

    /**
     * latestProduction metadata.version plus the default production feature levels (transaction.version,
     * group.version, ...), as {@code kafka-storage format} and keyferry's EmbeddedBroker write them.
     * {@code setBootstrapMetadataVersion} alone would leave those features at level 0, so tests would run
     * against a broker with fewer capabilities than the one keyferry runs in production.
     */
    static BootstrapMetadata productionBootstrap() {
        MetadataVersion mv = MetadataVersion.latestProduction();
        Map<String, Short> levels = new TreeMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            // kraft.version lives in the quorum's own records, not in bootstrap metadata.
            if (!f.featureName().equals(Feature.KRAFT_VERSION.featureName())) {
                levels.put(f.featureName(), f.defaultLevel(mv));
            }
        }
        return BootstrapMetadata.fromVersions(mv, levels, "keyferry TestKafka");
    }

    public String bootstrapServers() {
        return container != null ? container.getBootstrapServers() : cluster.bootstrapServers();
    }

    /** A new Admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates a topic (replication factor 1) and waits for it. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + name, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getMessage(), e);
        }
    }

    /** Shuts the broker down and deletes its temp dirs. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (container != null) {
            container.stop();
            return;
        }
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted closing test Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("closing test Kafka broker failed: " + e.getMessage(), e);
        }
    }
}
