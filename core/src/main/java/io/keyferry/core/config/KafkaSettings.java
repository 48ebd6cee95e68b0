package io.keyferry.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the topics live.
 *
 * @param bootstrapServers null means the embedded broker under {@code stateDir}
 * @param topicPrefix      topics are {@code <prefix>.keys}, {@code .results}, ... (default {@code keyferry})
 * @param partitions       partitions of the keys and results topics when keyferry creates them (default 12)
 * @param clientProperties passed through to every Kafka client (SASL/TLS from --kafka-config)
 * @param stateDir         local state: embedded broker data, Streams state (default {@code ./.keyferry})
 */
public record KafkaSettings(String bootstrapServers, String topicPrefix, int partitions,
                            Map<String, String> clientProperties, Path stateDir) {
    private static final Pattern TOPIC_CHARS = Pattern.compile("[A-Za-z0-9._-]+");

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
