package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and foreign records on the results, audit and progress topics — not JSON, empty,
 * another schema, a record of the run with fields missing or wrong, an empty key, a huge record,
 * and valid records of another run — written before the run's migrator and verifier start. The
 * verifier sends the results-topic ones it cannot read to the DLQ with a reason, the report,
 * {@code audit} and {@code status} pass over them, and the run ends as if they were not there.
 * (The keys topic's are {@code MigratorTopologyTest}'s.)
 */
class ForeignRecordsIT {
    private static TestKafka kafka;

    private final TestRedis source = TestRedis.start();
    private final TestRedis target = TestRedis.start();
    private FaultJob job;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (job != null) {
            job.close();
        }
        source.close();
        target.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The bad records for one topic whose own records are of kind {@code kind}, for run {@code run}. */
    private static List<byte[]> bad(String kind, String run) {
        String head = "{\"v\":1,\"record\":\"" + kind + "\",\"run\":\"" + run + "\"";
        return List.of(
                utf8("this is not JSON {"),
                new byte[0],
                utf8("[1, 2, 3]"),
                utf8("{\"v\":99,\"record\":\"" + kind + "\",\"run\":\"" + run + "\",\"key\":\"job:1\"}"),
                utf8("{\"v\":1,\"record\":\"nonsense\",\"run\":\"" + run + "\"}"),
                utf8(head + ",\"key\":\"job:1\",\"mode\":\"execute\",\"status\":\"teleported\",\"verdict\":\"maybe\"}"),
                utf8(head + ",\"key\":\"\",\"mode\":\"execute\",\"status\":\"copied\",\"verdict\":\"match\"}"),
                utf8(head + ",\"key_b64\":\"\",\"key\":\"\",\"mode\":\"execute\",\"status\":\"copied\",\"verdict\":\"match\"}"),
                utf8(head + ",\"scanner\":{\"not\":\"text\"},\"last_offsets\":{\"zero\":1}}"),
                utf8(head + ",\"scanner\":\"ghost\"}"),
                utf8(head + ",\"pad\":\"" + "x".repeat(900_000) + "\"}"));
    }

    /** Valid records, of another run: a copy_mismatch, a mismatch verdict, a scanner that never ends. */
    private static List<byte[]> otherRuns(String kind, String other) {
        String head = "{\"v\":1,\"record\":\"" + kind + "\",\"run\":\"" + other + "\"";
        return List.of(
                utf8(head + ",\"actor\":\"x\",\"mode\":\"execute\",\"key\":\"job:1\",\"target_key\":\"job:1\",\"type\":\"hash\","
                        + "\"status\":\"copy_mismatch\",\"at_ms\":1,\"verdict\":\"mismatch\",\"kind\":\"value\"}"),
                utf8(head + ",\"scanner\":\"all-0\",\"cursors\":{\"m0t0\":\"17\"},\"published\":5,\"done\":false,"
                        + "\"last_offsets\":{\"0\":999999},\"at_ms\":1}"));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Test
    void malformedAndForeignRecordsOnResultsAuditAndProgressAreSkippedOrDeadLetteredAndTheRunEndsAsIfAbsent() throws Exception {
        job = new FaultJob(tmp, 300, source, target);
        String run = "foreign-" + ProcessHandle.current().pid();
        String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state");
        // the scan creates the topics (and waits until they answer: KAFKA-15591)
        Cli.Outcome scan = Cli.run("scan --run " + run + " --match " + FaultJob.MATCH + " --source " + source.uri() + kafkaArgs);
        assertEquals(0, scan.exitCode(), scan.toString());

        Path report = tmp.resolve("report.csv");
        // paced, so that the bad records land while it runs: what lies on the topics from before a
        // run started is no run's of its own to read (its readers begin where it began)
        Process r = job.spawn("run", "run --run " + run + " --execute --actor it --match " + FaultJob.MATCH + " "
                + job.endpoints() + kafkaArgs + " --report " + report + " --rps 60");
        assertTrue(job.awaitCopied(20, java.time.Duration.ofSeconds(60)), job.log("run"));
        Set<String> badResults = writeBadRecords(run);
        assertTrue(job.copied() < job.keys, "the bad records landed mid-run");
        assertTrue(r.waitFor(180, TimeUnit.SECONDS), "the run finishes\n" + job.log("run"));
        assertEquals(0, r.exitValue(), job.log("run") + job.mismatches(report));
        job.checkAllCopied(report);
        assertTrue(job.log("run").contains("summary run=" + run + " scanned=" + job.keys + " "), job.log("run"));

        // every results-topic record the verifier could not read is on the DLQ with its reason
        Map<String, String> dlq = deadLetters();
        for (String from : badResults) {
            assertTrue(dlq.containsKey(from), "a dead letter for " + from + ": " + dlq);
            assertTrue(!dlq.get(from).isBlank(), dlq.toString());
        }
        System.out.println("dead letters: " + dlq);

        Cli.Outcome audit = Cli.run("audit --run " + run + kafkaArgs);
        assertEquals(0, audit.exitCode(), audit.toString());
        assertEquals(job.keys, audit.out().lines().count(), "one verdict line per key, nothing else");
        Cli.Outcome mismatches = Cli.run("audit --run " + run + " --mismatches" + kafkaArgs);
        assertEquals("", mismatches.out(), "the other run's mismatch is not this run's");
        Cli.Outcome status = Cli.run("status --run " + run + kafkaArgs);
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().contains("verified=" + job.keys + " mismatches=0 ") && status.out().contains("complete=true"),
                status.out());
    }

    /** Bad and foreign records on results, audit and progress; returns where the bad results went. */
    private static Set<String> writeBadRecords(String run) throws Exception {
        Set<String> badResults = new HashSet<>();
        int written = 0;
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (String[] topic : new String[][] {{"keyferry.results", "result"}, {"keyferry.audit", "audit"},
                    {"keyferry.progress", "scan"}}) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                int i = 0;
                for (byte[] v : bad(topic[1], run)) {
                    // on the compacted progress topic, under keys of their own: a bad record must not
                    // stand in for the run's real checkpoint there
                    byte[] key = utf8(topic[1].equals("scan") ? "scan/" + run + "/bad-" + i++ : "job:1");
                    sends.add(p.send(new ProducerRecord<>(topic[0], key, v)));
                }
                for (byte[] v : otherRuns(topic[1], "other-" + run)) {
                    sends.add(p.send(new ProducerRecord<>(topic[0], utf8("scan/other-" + run + "/all-0"), v)));
                }
                for (int s = 0; s < sends.size(); s++) {
                    RecordMetadata md = sends.get(s).get(30, TimeUnit.SECONDS); // every send checked
                    written++;
                    if (topic[1].equals("result") && s < bad(topic[1], run).size()) {
                        badResults.add(md.topic() + "/" + md.partition() + "@" + md.offset());
                    }
                }
            }
        }
        System.out.println(written + " malformed and foreign records written");
        return badResults;
    }

    /** The DLQ's records by the offset they came from, with their reason. */
    private static Map<String, String> deadLetters() {
        Map<String, String> out = new java.util.TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor("keyferry.dlq").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 30_000;
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(rec.value());
                    out.put(n.path("from").asText(), n.path("reason").asText());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
