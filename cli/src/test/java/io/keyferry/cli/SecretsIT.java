package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run against password-protected servers, logging at DEBUG, with the password in every URL:
 * the password is in no log line, no output, no report, no record on any topic, no metric and no
 * /health answer — including the error of a server that cannot be reached.
 */
class SecretsIT {
    private static final String PASSWORD = "Sekr3t-pw-4711";

    private TestKafka kafka;
    private TestRedis source;
    private TestRedis target;
    private final List<Process> processes = new ArrayList<>();
    @TempDir
    Path tmp;

    @BeforeEach
    void start() {
        kafka = TestKafka.start();
        source = TestRedis.start();
        target = TestRedis.start();
        // Once up (its readiness check pings without a password), every new connection must authenticate.
        source.strings().configSet("requirepass", PASSWORD);
        target.strings().configSet("requirepass", PASSWORD);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        source.close();
        target.close();
        kafka.close();
    }

    private static String url(TestRedis r) {
        return "redis://:" + PASSWORD + "@127.0.0.1:" + r.port();
    }

    private static RedisCommands<String, String> commands(TestRedis r) {
        return RedisClient.create(url(r)).connect().sync();
    }

    /** A command as its own JVM, logging at DEBUG into {@code name.log}. */
    private Process role(String name, String... args) throws IOException {
        Process p = Cli.spawn(tmp.resolve(name + ".log"), "DEBUG", args);
        processes.add(p);
        return p;
    }

    private String finished(String name, String... args) throws Exception {
        Process p = role(name, args);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name);
        return Files.readString(tmp.resolve(name + ".log"));
    }

    @Test
    void thePasswordInTheUrlsAppearsNowhereKeyferryWritesOrAnswers() throws Exception {
        var s = commands(source);
        for (int i = 0; i < 30; i++) {
            s.set("job:" + i, "value-" + i);
        }
        commands(target).set("job:3", "an older value"); // replaced: its old value goes to the backup topic
        String run = "secrets-" + ProcessHandle.current().pid();
        String bootstrap = kafka.bootstrapServers();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> seen = new ArrayList<>();

        seen.add(finished("scan", "scan", "--run", run, "--match", "job:*", "--source", url(source), "--bootstrap-servers", bootstrap));
        role("migrate", "migrate", "--run", run, "--execute", "--actor", "it", "--on-conflict", "replace-if-different",
                "--source", url(source), "--target", url(target), "--bootstrap-servers", bootstrap,
                "--state-dir", tmp.resolve("state").toString(), "--http-port", Integer.toString(port));
        Path report = tmp.resolve("report.csv");
        String verify = finished("verify", "verify", "--run", run, "--until-complete", "--report", report.toString(),
                "--source", url(source), "--target", url(target), "--bootstrap-servers", bootstrap);
        seen.add(verify);
        assertTrue(verify.contains(" copied=30 "), verify);
        assertEquals("value-3", commands(target).get("job:3"));

        seen.add(EndToEndIT.http(port, "/metrics"));
        String health = EndToEndIT.http(port, "/health");
        assertTrue(health.contains("\"source_ping_ms\""), health);
        seen.add(health);
        seen.add(Files.readString(report));
        seen.add(finished("audit", "audit", "--run", run, "--bootstrap-servers", bootstrap));
        seen.add(finished("status", "status", "--run", run, "--bootstrap-servers", bootstrap));
        seen.add(finished("unreachable", "scan", "--run", run + "-x", "--match", "job:*", "--source",
                "redis://:" + PASSWORD + "@127.0.0.1:1", "--bootstrap-servers", bootstrap));
        seen.add(finished("bad-url", "scan", "--run", run + "-y", "--source", "redis://:" + PASSWORD + "@:bad:port"));
        processes.get(1).destroy();
        processes.get(1).waitFor(30, TimeUnit.SECONDS);
        String migrateLog = Files.readString(tmp.resolve("migrate.log"));
        assertTrue(migrateLog.contains("DEBUG"), "the migrator logged at DEBUG:\n" + migrateLog);
        seen.add(migrateLog);

        Map<String, List<String>> topics = records(bootstrap, List.of("keys", "results", "audit", "progress", "backup", "dlq"));
        assertFalse(topics.get("backup").isEmpty(), "a replace was backed up");
        topics.forEach((topic, values) -> values.forEach(v -> seen.add("topic " + topic + ": " + v)));

        for (String text : seen) {
            assertFalse(text.contains(PASSWORD), "the password leaked:\n" + text);
        }
    }

    /** Every record on the given topics, committed or not, as text. */
    private static Map<String, List<String>> records(String bootstrap, List<String> names) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        Map<String, List<String>> out = new java.util.TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (String name : names) {
                String topic = "keyferry." + name;
                List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps);
                List<String> values = new ArrayList<>();
                long deadline = System.currentTimeMillis() + 30_000;
                while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        values.add(r.value() == null ? "" : new String(r.value(), StandardCharsets.ISO_8859_1));
                    }
                }
                out.put(name, values);
            }
        }
        return out;
    }
}
