package io.keyferry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerIT {

    private static final String TOPIC = "keyferry-it";

    @Test
    void survivesRestartAndAdvertisesItself(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), EmbeddedBroker.runningAt(dir));

        String firstAddress;
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir)) {
            firstAddress = broker.bootstrapServers();
            assertEquals(Optional.of(firstAddress), EmbeddedBroker.runningAt(dir));

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, firstAddress))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, firstAddress,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000),
                    new StringSerializer(), new StringSerializer())) {
                RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, "k1", "v1")).get(30, TimeUnit.SECONDS);
                assertEquals(0, md.offset());
            }

            // A second broker on the same dir in this JVM is refused with the one-line message.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddedBroker.start(dir));
            assertTrue(e.getMessage().contains("is in use by another keyferry process"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve(EmbeddedBroker.BOOTSTRAP_FILE)));
        assertEquals(Optional.empty(), EmbeddedBroker.runningAt(dir));

        try (EmbeddedBroker broker = EmbeddedBroker.start(dir)) {
            assertEquals(Optional.of(broker.bootstrapServers()), EmbeddedBroker.runningAt(dir));
            List<ConsumerRecord<String, String>> got = readAll(broker.bootstrapServers(), 1);
            assertEquals(1, got.size());
            assertEquals("k1", got.get(0).key());
            assertEquals("v1", got.get(0).value());
            broker.close();
            broker.close(); // idempotent
        }
        assertEquals(Optional.empty(), EmbeddedBroker.runningAt(dir));
    }

    @Test
    void staleBootstrapFileIsNotReportedAsRunning(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(EmbeddedBroker.BOOTSTRAP_FILE), "127.0.0.1:1\n");
        assertEquals(Optional.empty(), EmbeddedBroker.runningAt(dir));
    }

    @Test
    void anotherProcessSeesTheRunningBrokerAndACrashedOneIsRecovered(@TempDir Path dir) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process owner = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                BrokerOwner.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try {
            String address = awaitReadyLine(owner);
            // What a second keyferry process would do: use the owner's broker instead of starting one.
            assertEquals(Optional.of(address), EmbeddedBroker.runningAt(dir));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddedBroker.start(dir));
            assertEquals("state dir " + dir.toAbsolutePath().normalize() + " is in use by another keyferry process",
                    e.getMessage());
            assertEquals(1, readAll(address, 1).size());

            // Crash the owner: the OS drops its lock, bootstrap.txt goes stale.
            owner.destroyForcibly();
            assertTrue(owner.waitFor(30, TimeUnit.SECONDS));
            assertTrue(Files.exists(dir.resolve(EmbeddedBroker.BOOTSTRAP_FILE)));
            assertEquals(Optional.empty(), EmbeddedBroker.runningAt(dir));
        } finally {
            owner.destroyForcibly();
            owner.waitFor(30, TimeUnit.SECONDS);
        }

        try (EmbeddedBroker broker = EmbeddedBroker.start(dir)) {
            assertEquals(Optional.of(broker.bootstrapServers()), EmbeddedBroker.runningAt(dir));
            List<ConsumerRecord<String, String>> got = readAll(broker.bootstrapServers(), 1);
            assertEquals(1, got.size());
            assertEquals("from-owner", got.get(0).value());
        }
    }

    private static String awaitReadyLine(Process owner) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("ready ")) {
                // Keep draining so the child never blocks on a full pipe.
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException ignored) {
                        // child gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line.substring("ready ".length()).trim();
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("broker owner process exited early:\n" + seen);
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /** Child-process main: a keyferry process that owns the embedded broker and never closes it. */
    public static final class BrokerOwner {
        public static void main(String[] args) throws Exception {
            EmbeddedBroker broker = EmbeddedBroker.start(Paths.get(args[0]));
            String address = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address, ProducerConfig.ACKS_CONFIG, "all"),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(TOPIC, "k", "from-owner")).get(30, TimeUnit.SECONDS);
            }
            System.out.println("ready " + address);
            System.out.flush();
            Thread.sleep(120_000); // killed by the test long before this
        }
    }
}
