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
    void ensureCreatesTheRunTopicsOnceWithTheirPartitionsACompactedProgressTopicAndKeepsTheAuditTrailAndBackups() throws Exception {
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
                for (String topic : List.of("tt.audit", "tt.backup")) {
                    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    assertEquals("-1", admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
                            .get("retention.ms").value(), topic + " is kept until ops delete it");
                }
            }
        }
    }

    @Test
    void onAClusterOfThreeBrokersEachPartitionHasThreeReplicasAndAWriteNeedsTwoOfThem() throws Exception {
        try (io.keyferry.testsupport.TestKafka kafka = io.keyferry.testsupport.TestKafka.start(3)) {
            KafkaSettings s = new KafkaSettings(kafka.bootstrapServers(), "rf", 4, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, kafka.bootstrapServers());
            assertEquals(3, clients.replicas());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
                List<String> ours = List.of("rf.keys", "rf.results", "rf.audit", "rf.backup", "rf.dlq", "rf.progress");
                Map<String, TopicDescription> d = admin.describeTopics(ours).allTopicNames().get(30, TimeUnit.SECONDS);
                for (String topic : ours) {
                    d.get(topic).partitions().forEach(p -> assertEquals(3, p.replicas().size(), topic));
                    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    assertEquals("2", admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
                            .get("min.insync.replicas").value(), topic);
                }
            }
        }
    }

    @Test
    void onASingleBrokerATopicTakesOneReplicaAndTheBrokersDefaultInSyncMinimum() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"))) {
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "one", 4, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, broker.bootstrapServers());
            assertEquals(1, clients.replicas());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "one.results");
                assertEquals("1", admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
                        .get("min.insync.replicas").value());
            }
        }
    }
}
