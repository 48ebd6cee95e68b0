package io.keyferry.testsupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A single-node KRaft broker (combined broker and controller) as its own JVM — {@code kafka.Kafka}
 * from the {@code kafka_2.13} jar on this JVM's class path, after {@code kafka.tools.StorageTool
 * format --standalone} — so a test can kill it by PID and start it again on the same ports and data,
 * as an operator's broker restart does. Slower to start than {@link TestKafka}; use it only where the
 * broker itself must go away.
 */
public final class KafkaProcess implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);

    private final Path dir;
    private final Path config;
    private final int port;
    private Process process;
    private boolean closed;

    private KafkaProcess(Path dir, int port, int controllerPort) throws IOException {
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("server.properties");
        String props = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                // one node: internal topics with one replica, few partitions (as TestKafka)
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "");
        Files.writeString(config, props);
    }

    /** Formats a fresh data dir and starts the broker; returns once it answers. */
    public static KafkaProcess start() {
        try {
            Path dir = Files.createTempDirectory("keyferry-kafka-");
            KafkaProcess k = new KafkaProcess(dir, freePort(), freePort());
            k.format();
            k.startAgain();
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a Kafka broker process", e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL by PID: the broker dies at once, with whatever it had not flushed. */
    public synchronized void kill() {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        waitGone();
    }

    /** SIGTERM by PID: a controlled shutdown. */
    public synchronized void stop() {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        waitGone();
    }

    /** Starts the broker again on the same ports and data; returns once it answers. */
    public synchronized void startAgain() {
        if (isAlive()) {
            throw new IllegalStateException("the broker is running");
        }
        List<String> cmd = java("-Xmx384m", "kafka.Kafka", config.toString());
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start kafka.Kafka", e);
        }
        awaitReady();
    }

    /** The broker's log, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("broker.log"));
        } catch (IOException e) {
            return "(no broker log: " + e.getMessage() + ")";
        }
    }

    private void format() throws IOException {
        List<String> cmd = java("-Xmx256m", "kafka.tools.StorageTool", "format", "--standalone",
                "-t", Uuid.randomUuid().toString(), "-c", config.toString());
        Process f = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("format.log").toFile()).start();
        try {
            if (!f.waitFor(60, TimeUnit.SECONDS) || f.exitValue() != 0) {
                f.destroyForcibly();
                throw new IllegalStateException("kafka-storage format failed: " + Files.readString(dir.resolve("format.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted formatting the broker's storage", e);
        }
    }

    private void awaitReady() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000))) {
            boolean up = Await.until(READY, () -> {
                if (!process.isAlive()) {
                    return true;
                }
                try {
                    return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            if (!up || !process.isAlive()) {
                process.destroyForcibly();
                throw new IllegalStateException("the Kafka broker did not come up; its log:\n" + tail(log()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the broker", e);
        }
    }

    private void waitGone() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the broker and deletes its data. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (isAlive()) {
            kill();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is not worth failing a test over
        }
    }

    private static List<String> java(String heap, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "-cp", classPath(), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * This JVM's class path as a plain list of entries. Surefire and failsafe may start tests with
     * one manifest-only jar whose Class-Path names the real entries; those are expanded.
     */
    static String classPath() {
        Set<String> out = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            out.add(entry);
            if (!entry.endsWith(".jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Manifest m = jar.getManifest();
                String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                if (cp == null) {
                    continue;
                }
                URI base = Path.of(entry).toUri();
                for (String ref : cp.trim().split("\\s+")) {
                    if (!ref.isEmpty()) {
                        out.add(Path.of(base.resolve(new URI(ref))).toString());
                    }
                }
            } catch (IOException | URISyntaxException | IllegalArgumentException e) {
                // not a jar we can read: keep the entry as it is
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
