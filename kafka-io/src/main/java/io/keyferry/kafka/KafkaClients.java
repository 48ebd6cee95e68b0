package io.keyferry.kafka;

import io.keyferry.core.config.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Map;

/**
 * Client settings shared by every role: where the broker is, the user's pass-through properties
 * (SASL/TLS), and the durability keyferry insists on (idempotent producers, acks=all,
 * read_committed consumers).
 */
public final class KafkaClients {
    private final KafkaSettings settings;
    private final String bootstrap;
    private final StoredTopics stored;

    public KafkaClients(KafkaSettings settings, String bootstrap) {
        this(settings, bootstrap, null);
    }

    private KafkaClients(KafkaSettings settings, String bootstrap, StoredTopics stored) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.stored = stored;
    }

    /**
     * Clients of a broker that is not running: {@link TopicReader} reads {@code stored} instead,
     * and anything that would talk to a broker fails.
     */
    public static KafkaClients atRest(KafkaSettings settings, StoredTopics stored) {
        return new KafkaClients(settings, null, stored);
    }

    /** The topics at rest these clients read, or null when they talk to a broker. */
    public StoredTopics stored() {
        return stored;
    }

    public KafkaSettings settings() {
        return settings;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public String topic(String name) {
        return settings.topic(name);
    }

    /** Bootstrap plus the user's properties; what every client starts from. */
    public Map<String, Object> common() {
        if (stored != null) {
            throw new IllegalStateException("no broker: these clients read topics at rest");
        }
        Map<String, Object> p = new HashMap<>(settings.clientProperties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    public Admin admin() {
        return Admin.create(common());
    }

    /** {@link Topics#replicas(int)} for the brokers these clients reach. */
    public short replicas() {
        try (Admin admin = admin()) {
            return Topics.replicas(admin.describeCluster().nodes().get(30, java.util.concurrent.TimeUnit.SECONDS).size());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new KafkaUnavailableException("Kafka did not say how many brokers it has: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted while asking Kafka for its brokers", e);
        }
    }

    public KafkaProducer<byte[], byte[]> producer(String clientId) {
        Map<String, Object> p = producerConfig(clientId);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A transactional producer: the verifier's verdicts and offsets commit together. */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String clientId, String transactionalId) {
        Map<String, Object> p = producerConfig(clientId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public Map<String, Object> producerConfig(String clientId) {
        Map<String, Object> p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putAll(producerTuning());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return p;
    }

    /**
     * Batching and compression for every producer of keyferry's, the migrator's included, unless
     * --kafka-config says otherwise: lz4 in 64 KB batches costs the least CPU per record, produced
     * and consumed, of the choices compared (performance.md, tuning choices).
     */
    public Map<String, Object> producerTuning() {
        Map<String, Object> t = new HashMap<>();
        t.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        t.put(ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
        t.keySet().removeAll(settings.clientProperties().keySet());
        return t;
    }

    /** A consumer that sees only committed records; {@code groupId} null for a group-less reader. */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId) {
        return consumer(groupId, clientId, Map.of());
    }

    /** As {@link #consumer(String, String)}, with {@code extra} consumer settings on top. */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId, Map<String, Object> extra) {
        return new KafkaConsumer<>(consumerConfig(groupId, clientId, extra), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    Map<String, Object> consumerConfig(String groupId, String clientId, Map<String, Object> extra) {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (groupId != null) {
            // a dead member's partitions move on after 10 s instead of the default 45 s
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
        } else {
            // A group-less reader reads a topic up to its end (the progress topic at each role's
            // start, the audit trail for the summary): at the end the broker would hold each fetch
            // for the default 500 ms, about half a second more for every phase of a run's start.
            p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        }
        p.putAll(extra);
        return p;
    }

    /** The Streams application id (and consumer group) of a run's migrator replicas. */
    public String migratorApplicationId(String run) {
        return settings.topicPrefix() + "-migrate-" + run;
    }

    public String verifierGroupId(String run) {
        return settings.topicPrefix() + "-verify-" + run;
    }
}
