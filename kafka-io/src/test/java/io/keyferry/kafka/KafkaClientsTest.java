package io.keyferry.kafka;

import io.keyferry.core.config.KafkaSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KafkaClientsTest {
    private static KafkaClients clients(Map<String, String> userProperties) {
        return new KafkaClients(new KafkaSettings("localhost:9092", "kt", 12, userProperties, Path.of("state")), "localhost:9092");
    }

    @Test
    void producersCompressWithLz4InBigBatchesByDefault() {
        Map<String, Object> p = clients(Map.of()).producerConfig("p");
        assertEquals("lz4", p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals(65_536, p.get(ProducerConfig.BATCH_SIZE_CONFIG));
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
    }

    @Test
    void theUsersKafkaConfigDecidesBatchingAndCompressionButNotDurability() {
        KafkaClients c = clients(Map.of("compression.type", "zstd", "batch.size", "16384", "acks", "1"));
        Map<String, Object> p = c.producerConfig("p");
        assertEquals("zstd", p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals("16384", p.get(ProducerConfig.BATCH_SIZE_CONFIG));
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
        // what the migrator's Streams producers get on top of the user's properties: nothing of theirs
        assertEquals(Map.of(), c.producerTuning());
    }

    @Test
    void aGrouplessReaderDoesNotWaitHalfASecondAtTheEndOfATopicUnlessTold() {
        assertEquals(20, clients(Map.of()).consumerConfig(null, "r", Map.of()).get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
        assertEquals("100", clients(Map.of("fetch.max.wait.ms", "100")).consumerConfig(null, "r", Map.of())
                .get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
        // a group member (the verifier) polls in a loop and keeps Kafka's default
        assertEquals(null, clients(Map.of()).consumerConfig("g", "c", Map.of()).get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
    }
}
