package io.keyferry.cli;

import io.keyferry.local.EmbeddedBroker;
import io.keyferry.local.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A real migration on throwaway servers: starts two redis-servers and an embedded Kafka broker, "
                + "loads job:{id} hashes, a jobs:pending sorted set and jobs:* sets, then runs a dry run, an execute "
                + "run with verification, and prints the summaries and where the reports are. Leaves nothing running.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--jobs", paramLabel = "N", defaultValue = "500",
            description = "How many job:{id} hashes to load. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_JOBS.")
    int jobs;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "./.keyferry",
            description = "Where the demo's reports go (under demo/). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_STATE_DIR.")
    Path stateDir;

    @picocli.CommandLine.Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        if (jobs < 10 || jobs > 1_000_000) {
            throw new io.keyferry.core.config.ConfigException("--jobs", "must be between 10 and 1000000");
        }
        // The demo's broker keeps its data under the demo's own state dir, and the runs find it
        // there (no --bootstrap-servers): the commands it prints, and audit or status of its runs
        // afterwards, work as printed.
        Path demoDir = stateDir.resolve("demo");
        Files.createDirectories(demoDir);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        say("starting two throwaway redis-servers and an embedded Kafka broker ...");
        try (RedisProcess source = RedisProcess.start(); RedisProcess target = RedisProcess.start();
             EmbeddedBroker broker = EmbeddedBroker.start(demoDir.resolve("kafka"))) {
            int loaded = load(source.uri(), target.uri(), jobs);
            say("source %s holds %d keys: job:{id} hashes (some with a TTL), jobs:pending (zset), jobs:running and "
                    + "jobs:failed (sets), a jobqueue:lock string that no rule covers, and session:* keys outside the match.",
                    source.uri(), loaded);
            say("target %s already holds step:7, written by someone else: it must not be overwritten.", target.uri());

            List<String> common = List.of("--source", source.uri(), "--target", target.uri(),
                    "--state-dir", demoDir.toString(),
                    "--match", "job*", "--rename", "job:{id} -> step:{id}", "--rename", "jobs:{set} -> steps:{set}",
                    "--log-format", this.common.logFormat.name().toLowerCase(java.util.Locale.ROOT));

            String dryRun = "demo-" + stamp + "-dry";
            Path dryReport = demoDir.resolve(dryRun + ".csv");
            int dry = step("1. dry run: reads both sides, writes nothing", common,
                    List.of("--run", dryRun, "--dry-run", "--report", dryReport.toString()));

            String execRun = "demo-" + stamp + "-execute";
            Path execReport = demoDir.resolve(execRun + ".csv");
            int exec = step("2. execute: copies, reads back, verifies every key", common,
                    List.of("--run", execRun, "--execute", "--actor", "demo", "--report", execReport.toString()));

            on(target.uri(), t -> {
                say("the target now holds %d keys; step:7 is still the one someone else wrote: %s",
                        t.dbsize(), new String(t.hget(b("step:7"), b("owner")), StandardCharsets.UTF_8));
                return null;
            });
            say("reports: %s and %s", dryReport.toAbsolutePath().normalize(), execReport.toAbsolutePath().normalize());
            say("the runs' audit trails stay under %s; e.g.:%n  bin/keyferry audit --run %s --state-dir %s%n"
                    + "  bin/keyferry status --run %s --state-dir %s", demoDir, execRun, demoDir, execRun, demoDir);
            return Math.max(dry, exec);
        }
    }

    private static int step(String title, List<String> common, List<String> specific) {
        List<String> args = new ArrayList<>();
        args.add("run");
        args.addAll(specific);
        args.addAll(common);
        System.out.println();
        say(title);
        StringBuilder line = new StringBuilder("$ keyferry");
        for (String a : args) {
            line.append(' ').append(a.contains(" ") || a.contains("{") || a.contains("*") ? "'" + a + "'" : a);
        }
        System.out.println(line);
        System.out.flush();
        return Main.execute(args.toArray(new String[0]));
    }

    /** Sample data shaped like a real schema migration: jobs that become steps. */
    private static int load(String sourceUri, String targetUri, int jobs) {
        on(targetUri, t -> t.hset(b("step:7"), java.util.Map.of(b("owner"), b("the application (written before the migration)"))));
        return on(sourceUri, r -> {
            String[] states = {"pending", "running", "failed", "done"};
            int count = 0;
            for (int id = 1; id <= jobs; id++) {
                String key = "job:" + id;
                String state = states[id % states.length];
                r.hset(b(key), java.util.Map.of(
                        b("workspace_id"), b("ws-" + (id % 7)),
                        b("status"), b(state),
                        b("created_at"), b(Long.toString(1_763_800_000L + id)),
                        b("payload"), b("{ \"model\": \"m-" + (id % 3) + "\", \"steps\": [1, 2, " + id + "] }")));
                if (id % 10 == 0) {
                    r.pexpire(b(key), 3_600_000L);
                }
                count++;
                if (state.equals("pending")) {
                    r.zadd(b("jobs:pending"), 1_763_800_000.0 + id, b(Integer.toString(id)));
                } else if (!state.equals("done")) {
                    r.sadd(b("jobs:" + state), b(Integer.toString(id)));
                }
            }
            r.set(b("jobqueue:lock"), b("worker-3"));
            r.set(b("session:abc"), b("not part of this migration"));
            return (int) (long) r.dbsize();
        });
    }

    /**
     * {@code use} on a plain connection to one of the demo's own throwaway servers: loading sample
     * data and looking at the result are not what keyferry's store is for.
     */
    private static <T> T on(String uri, Function<RedisCommands<byte[], byte[]>, T> use) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            return use.apply(c.sync());
        } finally {
            client.shutdown();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void say(String format, Object... args) {
        System.out.println("demo: " + String.format(format, args));
        System.out.flush();
    }

}
