package io.keyferry.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestKafkaIT {

    private static TestKafka kafka;
    private static TestRedis redis;

    @BeforeAll
    static void up() {
        kafka = TestKafka.start();
        redis = TestRedis.start();
    }

    @AfterAll
    static void down() {
        if (redis != null) {
            redis.close();
        }
        if (kafka != null) {
            kafka.close();
            kafka.close(); // idempotent
        }
    }

    @Test
    void produceConsumeRoundTripThroughAConsumerGroup() throws Exception {
        String topic = "round-trip";
        kafka.createTopic(topic, 2);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }

        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        // A real group: exercises __consumer_offsets (RF 1) and the coordinator, not just fetch.
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "round-trip-group",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < 10 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(got::add);
            }
            consumer.commitSync(Duration.ofSeconds(30));
        }
        assertEquals(10, got.size());
        for (ConsumerRecord<String, String> r : got) {
            assertEquals("v" + r.key().substring(1), r.value());
        }
    }

    @Test
    void runsWithProductionFeatureLevels() throws Exception {
        try (Admin admin = kafka.admin()) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            MetadataVersion mv = MetadataVersion.latestProduction();
            for (Feature f : List.of(Feature.TRANSACTION_VERSION, Feature.GROUP_VERSION)) {
                assertEquals(f.defaultLevel(mv), features.finalizedFeatures().get(f.featureName()).maxVersionLevel(),
                        f.featureName());
            }
        }
    }

    @Test
    void redisAccessors() {
        redis.flushAll();
        redis.strings().set("s", "text");
        byte[] raw = {0, (byte) 0xff, 10};
        redis.bytes().set("b".getBytes(), raw);
        assertEquals("text", redis.strings().get("s"));
        assertArrayEquals(raw, redis.bytes().get("b".getBytes()));
        assertTrue(redis.uri().startsWith("redis://127.0.0.1:"));
    }
}
