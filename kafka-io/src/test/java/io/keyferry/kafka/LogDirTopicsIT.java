package io.keyferry.kafka;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.local.EmbeddedBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topics read from a stopped broker's log files hand out exactly what a read_committed consumer
 * got from the running broker: committed transactions, no aborted one, no control records, no
 * tombstones, nothing below a deletion of records, keys, values and headers byte for byte.
 */
class LogDirTopicsIT {
    @TempDir
    Path dir;

    private static final String TOPIC = "rest.audit";

    @Test
    void aStoppedBrokersTopicsReadAtRestAreWhatAReadCommittedConsumerReadWhileItRan() throws Exception {
        Path data = dir.resolve("kafka");
        List<String> online;
        Map<TopicPartition, Long> ends;
        try (EmbeddedBroker broker = EmbeddedBroker.start(data)) {
            KafkaClients clients = clients(broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
                Topics.awaitReady(admin, List.of(TOPIC));
            }
            try (KafkaProducer<byte[], byte[]> tx = clients.transactionalProducer("rest-tx", "rest-tx");
                 KafkaProducer<byte[], byte[]> plain = clients.producer("rest-plain")) {
                tx.initTransactions();
                for (int round = 0; round < 4; round++) {
                    tx.beginTransaction();
                    for (int i = 0; i < 30; i++) {
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(TOPIC, i % 3, bytes("k" + round + "-" + i),
                                bytes((round == 1 ? "aborted " : "committed ") + round + "-" + i));
                        r.headers().add("keyferry.counts", new byte[] {(byte) round, (byte) i});
                        tx.send(r);
                    }
                    tx.flush(); // on the log before the transaction ends, aborted or not
                    if (round == 1) {
                        tx.abortTransaction();
                    } else {
                        tx.commitTransaction();
                    }
                    Sends.await(plain.send(new ProducerRecord<>(TOPIC, round % 3, bytes("plain" + round), bytes("p" + round))));
                    Sends.await(plain.send(new ProducerRecord<>(TOPIC, round % 3, bytes("gone" + round), null)));
                }
            }
            try (Admin admin = clients.admin()) {
                admin.deleteRecords(Map.of(new TopicPartition(TOPIC, 2), RecordsToDelete.beforeOffset(5)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            online = lines(clients);
            List<TopicPartition> tps = List.of(0, 1, 2).stream().map(p -> new TopicPartition(TOPIC, p)).toList();
            ends = TopicReader.highWatermarks(clients, tps);
        }
        assertEquals(3 * 30 + 4 - 5, online.size(),
                "the consumer's view: three committed rounds of 30, four plain records, less the 5 deleted");
        assertFalse(online.stream().anyMatch(l -> l.startsWith("2@0 ")), "nothing below the deletion");
        assertFalse(online.stream().anyMatch(l -> l.contains("aborted")), "no aborted record online");

        try (EmbeddedBroker.AtRest rest = EmbeddedBroker.atRest(data).orElseThrow()) {
            KafkaClients atRest = KafkaClients.atRest(settings(null), LogDirTopics.of(rest.logDir()));
            assertEquals(online, lines(atRest), "at rest: the same records, in each partition's order");
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                assertEquals(e.getValue(), atRest.stored().end(TOPIC, e.getKey().partition()), e.getKey().toString());
            }
            assertEquals(List.of(0, 1, 2), atRest.stored().partitions(TOPIC));
            assertEquals(List.of(), atRest.stored().partitions("rest.none"));
            assertThrows(IllegalStateException.class, () -> EmbeddedBroker.start(data), "no broker starts under a reader");
            assertThrows(IllegalStateException.class, atRest::admin, "at rest nothing talks to a broker");
        }
        try (EmbeddedBroker again = EmbeddedBroker.start(data)) {
            assertEquals(online, lines(clients(again.bootstrapServers())), "the broker reads the same after a read at rest");
        }
    }

    @Test
    void aTransactionLeftOpenAtShutdownOrABrokerThatDidNotStopCleanlyIsForABrokerToRead() throws Exception {
        Path data = dir.resolve("kafka");
        try (EmbeddedBroker broker = EmbeddedBroker.start(data)) {
            KafkaClients clients = clients(broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                Topics.awaitReady(admin, List.of(TOPIC));
            }
            KafkaProducer<byte[], byte[]> tx = clients.transactionalProducer("open-tx", "open-tx");
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(new ProducerRecord<>(TOPIC, bytes("k"), bytes("in an open transaction"))).get(30, TimeUnit.SECONDS);
            broker.close();
            tx.close(java.time.Duration.ZERO);
        }
        try (EmbeddedBroker.AtRest rest = EmbeddedBroker.atRest(data).orElseThrow()) {
            KafkaClients atRest = KafkaClients.atRest(settings(null), LogDirTopics.of(rest.logDir()));
            List<String> seen = new ArrayList<>();
            NeedsBrokerException e = assertThrows(NeedsBrokerException.class,
                    () -> TopicReader.readAll(atRest, "audit", r -> seen.add(line(r))));
            assertTrue(e.getMessage().contains("a transaction is still open on " + TOPIC + "-0"), e.getMessage());
            assertEquals(List.of(), seen, "nothing handed out before it gave up");
        }

        Files.delete(data.resolve("log").resolve(".kafka_cleanshutdown"));
        assertTrue(EmbeddedBroker.atRest(data).isEmpty(), "logs that need recovery are not read at rest");
        assertTrue(EmbeddedBroker.atRest(dir.resolve("nothing-here")).isEmpty());
    }

    private static List<String> lines(KafkaClients clients) {
        List<String> out = new ArrayList<>();
        TopicReader.readAll(clients, "audit", r -> out.add(line(r)));
        // partitions interleave online; each partition's own order is what must agree
        out.sort(java.util.Comparator.comparing((String l) -> l.substring(0, l.indexOf('@')))
                .thenComparingLong(l -> Long.parseLong(l.substring(l.indexOf('@') + 1, l.indexOf(' ')))));
        return out;
    }

    private static String line(ConsumerRecord<byte[], byte[]> r) {
        String headers = Arrays.stream(r.headers().toArray())
                .map(h -> h.key() + "=" + Arrays.toString(h.value())).collect(Collectors.joining(","));
        return r.partition() + "@" + r.offset() + " " + new String(r.key(), StandardCharsets.UTF_8) + "="
                + new String(r.value(), StandardCharsets.UTF_8) + " t=" + r.timestamp() + " [" + headers + "]";
    }

    private KafkaClients clients(String bootstrap) {
        return new KafkaClients(settings(bootstrap), bootstrap);
    }

    private KafkaSettings settings(String bootstrap) {
        return new KafkaSettings(bootstrap, "rest", 3, new HashMap<>(), dir);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
