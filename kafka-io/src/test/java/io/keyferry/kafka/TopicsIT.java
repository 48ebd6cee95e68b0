package io.keyferry.kafka;

import io.keyferry.local.EmbeddedBroker;
import io.keyferry.core.config.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TopicsIT {
    @TempDir
    Path dir;

    @Test
    void ensureCreatesTheRunTopicsOnceWithTheirPartitionsAndACompactedProgressTopic() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"))) {
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "tt", 12, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
                Topics.ensure(admin, s); // a second call finds them and changes nothing

                Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                List<String> ours = List.of("tt.keys", "tt.results", "tt.audit", "tt.backup", "tt.dlq", "tt.progress");
                assertEquals(Set.copyOf(ours), Set.copyOf(names.stream().filter(n -> n.startsWith("tt.")).toList()));
                Map<String, TopicDescription> d = admin.describeTopics(ours).allTopicNames().get(30, TimeUnit.SECONDS);
                assertEquals(12, d.get("tt.keys").partitions().size());
                assertEquals(12, d.get("tt.results").partitions().size());
                assertEquals(1, d.get("tt.progress").partitions().size());
                ConfigResource progress = new ConfigResource(ConfigResource.Type.TOPIC, "tt.progress");
                String policy = admin.describeConfigs(List.of(progress)).all().get(30, TimeUnit.SECONDS)
                        .get(progress).get("cleanup.policy").value();
                assertEquals("compact", policy);
            }
        }
    }
}
