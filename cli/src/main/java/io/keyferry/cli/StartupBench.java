package io.keyferry.cli;

import io.keyferry.local.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench --startup}: how long the commands an operator types take as whole processes, JVM
 * start to exit — the time a small run or a look at one costs, which the throughput bench hides.
 * Each is a new JVM with this process's own JVM options, against two throwaway redis-servers and
 * the embedded broker under a temporary state dir.
 */
final class StartupBench {
    private static final int KEYS = 20;
    private static final long TIMEOUT_S = 300;

    private StartupBench() {
    }

    /** One command timed: its wall time and whether it exited as it should. */
    private record Timed(String name, double seconds, int exit, int expected) {
        boolean ok() {
            return exit == expected;
        }
    }

    static int run() throws Exception {
        Path dir = Files.createTempDirectory("keyferry-startup");
        try (RedisProcess source = RedisProcess.start(); RedisProcess target = RedisProcess.start()) {
            RedisClient client = RedisClient.create(source.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                for (int i = 0; i < KEYS; i++) {
                    c.sync().set("job:" + i, "value " + i);
                }
            } finally {
                client.shutdown();
            }
            String run = "startup-" + System.currentTimeMillis();
            String stateDir = dir.resolve("state").toString();
            List<Timed> timed = new ArrayList<>();
            timed.add(time("help", 0, dir, "--help"));
            timed.add(time("version", 0, dir, "--version"));
            timed.add(time("run", 0, dir, "run", "--run", run, "--execute", "--actor", "bench", "--source", source.uri(),
                    "--target", target.uri(), "--state-dir", stateDir, "--report", dir.resolve("report.csv").toString()));
            timed.add(time("status", 0, dir, "status", "--run", run, "--state-dir", stateDir));
            timed.add(time("audit", 0, dir, "audit", "--run", run, "--state-dir", stateDir));
            timed.add(time("unknown", Errors.USAGE, dir, "status", "--run", "no-such-run", "--state-dir", stateDir));
            StringBuilder line = new StringBuilder("bench-startup");
            for (Timed t : timed) {
                say("%-8s %.2f s%s", t.name(), t.seconds(), t.ok() ? "" : "  (exit " + t.exit() + ", expected " + t.expected()
                        + "; its output is in " + dir.resolve(t.name() + ".log") + ")");
                line.append(String.format(Locale.ROOT, " %s_s=%.2f", t.name(), t.seconds()));
            }
            System.out.println(line);
            boolean ok = timed.stream().allMatch(Timed::ok);
            if (ok) {
                deleteTree(dir);
            }
            return ok ? Errors.OK : Errors.RUN_FAILED;
        }
    }

    /** Runs keyferry with {@code args} as a process of its own, output to a log in {@code dir}. */
    private static Timed time(String name, int expected, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(javaCommand());
        if (args[0].startsWith("--")) {
            // as bin/keyferry starts --help and --version: without a class archive to map
            command.removeIf(a -> a.startsWith("-XX:SharedArchiveFile") || a.startsWith("-XX:AOTCache"));
        }
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KEYFERRY_")); // the lines as given, nothing else
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        return new Timed(name, (System.nanoTime() - t0) / 1e9, p.exitValue(), expected);
    }

    /** java, this JVM's own options, its class path and keyferry's main class. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-XX:ArchiveClassesAtExit")
                    && !arg.startsWith("-XX:AOTCacheOutput")) {
                cmd.add(arg);
            }
        }
        // the same class path as this JVM's (under java -jar, the jar alone), so a class-data
        // archive made for it applies as well
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        return cmd;
    }

    private static void say(String format, Object... args) {
        System.out.println("bench: " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
