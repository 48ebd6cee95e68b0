package io.keyferry.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the topics live.
 *
 * @param bootstrapServers null means the embedded broker under {@code stateDir}
 * @param topicPrefix      topics are {@code <prefix>.keys}, {@code .results}, ... (default {@code keyferry})
 * @param partitions       partitions of the topics keyferry creates ({@link #defaultPartitions})
 * @param clientProperties passed through to every Kafka client (SASL/TLS from --kafka-config)
 * @param stateDir         local state: embedded broker data, Streams state (default {@code ./.keyferry})
 */
public record KafkaSettings(String bootstrapServers, String topicPrefix, int partitions,
                            Map<String, String> clientProperties, Path stateDir) {
    private static final Pattern TOPIC_CHARS = Pattern.compile("[A-Za-z0-9._-]+");
    /** Partitions by default on a cluster: room for a dozen migrator replicas. */
    public static final int CLUSTER_PARTITIONS = 12;
    /**
     * Partitions by default on the embedded broker, one machine's: room for its two stream threads
     * and a second replica. Each partition is a log the broker creates and closes and a task Streams
     * starts; with 12, the topics' creation alone took most of a second of a small run.
     */
    public static final int EMBEDDED_PARTITIONS = 4;

    /** {@link #CLUSTER_PARTITIONS} with {@code bootstrapServers}, else {@link #EMBEDDED_PARTITIONS}. */
    public static int defaultPartitions(String bootstrapServers) {
        return bootstrapServers == null || bootstrapServers.isBlank() ? EMBEDDED_PARTITIONS : CLUSTER_PARTITIONS;
    }

    public KafkaSettings {
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            bootstrapServers = null;
        }
        if (topicPrefix == null || !TOPIC_CHARS.matcher(topicPrefix).matches() || topicPrefix.length() > 200) {
            throw new ConfigException("--topic-prefix", "'" + topicPrefix + "' may use only letters, digits, '.', '_' and '-'");
        }
        if (partitions < 1 || partitions > 10_000) {
            throw new ConfigException("--partitions", "must be between 1 and 10000, got " + partitions);
        }
        clientProperties = Map.copyOf(clientProperties);
        if (stateDir == null) {
            throw new ConfigException("--state-dir", "is required");
        }
    }

    public boolean embedded() {
        return bootstrapServers == null;
    }

    public String topic(String name) {
        return topicPrefix + "." + name;
    }
}
