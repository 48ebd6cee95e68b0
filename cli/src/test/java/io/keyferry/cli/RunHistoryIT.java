package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.TopicReader;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A new run's migrators begin on the keys topic where the run's references begin, not at the
 * topic's start: what the topic held before (other runs' pages; here records no migrator can
 * read, which it would send to the dead-letter topic) is never read, while every reference of
 * the run is, a scan that ran before the migrator started included.
 */
class RunHistoryIT {
    private final TestRedis source = TestRedis.start();
    private final TestRedis target = TestRedis.start();
    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        source.close();
        target.close();
    }

    @Test
    void aNewRunReadsNoneOfWhatTheKeysTopicHeldBeforeItsScanBeganAndEveryReferenceOfItsOwn() throws Exception {
        for (int i = 0; i < 50; i++) {
            source.strings().set("job:" + i, "v" + i);
        }
        try (TestKafka kafka = TestKafka.start()) {
            String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers() + " --topic-prefix hist --state-dir " + tmp;
            Cli.Outcome earlier = Cli.run("run --run earlier-1 --match nothing:* --source " + source.uri() + " --target "
                    + target.uri() + kafkaArgs);
            assertEquals(0, earlier.exitCode(), earlier.toString());
            KafkaClients clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(), "hist", 12, Map.of(), tmp),
                    kafka.bootstrapServers());
            junk(clients, "before the scan", 7);

            Cli.Outcome scan = Cli.run("scan --run hist-1 --match job:* --source " + source.uri() + kafkaArgs);
            assertEquals(0, scan.exitCode(), scan.toString());
            junk(clients, "after the scan, before the migrator", 3);

            Cli.Outcome run = Cli.run("run --run hist-1 --execute --actor it --match job:* --source " + source.uri()
                    + " --target " + target.uri() + kafkaArgs);
            assertEquals(0, run.exitCode(), run.toString());
            assertEquals(50, run.count("copied"), "every reference of the scan that ran before the migrator");
            AtomicInteger deadLetters = new AtomicInteger();
            TopicReader.readAll(clients, "dlq", r -> deadLetters.incrementAndGet());
            assertEquals(3, deadLetters.get(), "only what came after the run's scan began was read");
        }
    }

    /** Records on the keys topic that are no key reference: a migrator that reads one sends it to the DLQ. */
    private static void junk(KafkaClients clients, String what, int n) {
        try (KafkaProducer<byte[], byte[]> p = clients.producer("junk")) {
            for (int i = 0; i < n; i++) {
                Sends.await(p.send(new ProducerRecord<>(clients.topic("keys"), i % 12, null,
                        ("not a key reference: " + what + " " + i).getBytes(StandardCharsets.UTF_8))));
            }
        }
    }
}
