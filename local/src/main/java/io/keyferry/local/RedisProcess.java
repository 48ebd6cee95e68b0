package io.keyferry.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway {@code redis-server} child process on a free 127.0.0.1 port with its own temp dir.
 * Used by {@code keyferry demo}/{@code bench} and by integration tests; never touches a user's redis.
 */
public final class RedisProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisProcess.class);
    private static final long READY_TIMEOUT_MS = 10_000;
    private static final long STOP_TIMEOUT_MS = 10_000;
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 20;
    private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Instances whose temp dir still exists; the shutdown hook reaps them so a crashed test leaves no server behind. */
    private static final Set<RedisProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (RedisProcess p : LIVE) {
                    p.reap();
                }
            }, "keyferry-redis-reaper"));
        } catch (IllegalStateException e) {
            // JVM already shutting down: nothing can be started any more either.
        }
    }

    private final Path binary;
    private final int port;
    private final Path dir;
    private final Path logFile;
    private final List<String> extraArgs;
    private Process process;
    private boolean stopped;

    private RedisProcess(Path binary, int port, Path dir, List<String> extraArgs) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.logFile = dir.resolve("redis.log");
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Starts a redis-server and waits until it answers PING.
     *
     * @param extraArgs extra command-line options appended after the defaults, so they win
     *                  (e.g. {@code "--appendonly", "yes"}); do not override --port or --dir
     */
    public static RedisProcess start(String... extraArgs) {
        return start(RedisBinary.locate(), extraArgs);
    }

    /** Same as {@link #start(String...)} with an explicit binary (tests of the bundled fallback). */
    static RedisProcess start(Path binary, String... extraArgs) {
        IllegalStateException last = null;
        // A free port can be grabbed by someone else between probe and bind; retry on a fresh port.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path dir;
            try {
                dir = Files.createTempDirectory("keyferry-redis-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create temp dir for redis-server", e);
            }
            RedisProcess p = new RedisProcess(binary, freePort(), dir, List.of(extraArgs));
            LIVE.add(p);
            try {
                p.launch();
                return p;
            } catch (IllegalStateException e) {
                boolean portRace = p.logTail().contains("Address already in use");
                p.stop();
                last = e;
                if (!portRace) {
                    throw e;
                }
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** @return pid of the current (or last) server process */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("redis-server not started");
        }
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Directory holding the server's data files and log; kept across {@link #kill()}/{@link #restart()}. */
    public Path dir() {
        return dir;
    }

    /** Graceful stop (SIGTERM, then SIGKILL after 10 s) and removal of the temp dir. Idempotent. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        terminate(false);
        deleteDir();
        LIVE.remove(this);
    }

    /** Hard crash simulation: SIGKILL, keep the data dir so {@link #restart()} can recover from it. */
    public synchronized void kill() {
        ensureNotStopped();
        terminate(true);
    }

    /** Starts the server again on the same port, dir and arguments (stopping it gracefully first if running). */
    public synchronized void restart() {
        ensureNotStopped();
        terminate(false);
        launch();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void launch() {
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", dir.toString(),
                "--daemonize", "no"));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        LOG.debug("started redis-server pid {} on port {}", process.pid(), port);
        awaitPing();
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        String lastReply = "no connection";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with code "
                        + process.exitValue() + "; last log lines:\n" + logTail());
            }
            String reply = ping();
            if (reply.startsWith("+PONG")) {
                return;
            }
            // "-LOADING" while it replays an AOF/RDB: keep waiting.
            lastReply = reply;
            sleep(50);
        }
        terminate(true);
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + READY_TIMEOUT_MS + " ms (last reply: " + lastReply + "); last log lines:\n" + logTail());
    }

    private String ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write(PING);
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && line.length() < 200) {
                line.append((char) c);
            }
            return line.toString().trim();
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    private void terminate(boolean force) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        if (force) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            if (!p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Shutdown-hook path: no locking (a stuck holder must not block JVM exit), kill and clean up. */
    private void reap() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteDir();
    }

    private void ensureNotStopped() {
        if (stopped) {
            throw new IllegalStateException("redis-server on port " + port + " was stopped");
        }
    }

    String logTail() {
        try {
            if (!Files.exists(logFile)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private void deleteDir() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is not worth failing a stop() over
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not fully delete {}: {}", dir, e.toString());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    @Override
    public String toString() {
        return "RedisProcess[" + uri() + "]";
    }
}
