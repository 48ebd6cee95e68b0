package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.report.Latencies;
import io.keyferry.core.report.RunTally;
import io.keyferry.local.EmbeddedBroker;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.verifier.AuditTopic;
import io.keyferry.redis.RedisStore;
import io.keyferry.local.bench.CeilingCopy;
import io.keyferry.local.bench.Workload;
import io.keyferry.local.RedisProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures keyferry against a bare copy: loads N keys of a realistic mix, times a pipelined "
                + "DUMP/RESTORE copy (the ceiling), then keyferry end to end (dry run, execute --copy dump, execute "
                + "--copy struct), and prints keys/s, the ratio to the ceiling, the peak heap (and the most left after a full collection) and each run's per-key latency "
                + "(p50/p99, from the key's source read to its verdict). Starts an embedded "
                + "broker and two throwaway redis-servers unless --source and --target are given (both must be empty: "
                + "bench writes and flushes them). The last line is machine-readable. With --startup, times how long "
                + "commands take to start and stop instead.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--keys", paramLabel = "N", defaultValue = "1000000",
            description = "How many keys to load. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_KEYS.")
    long keys;
    @Option(names = "--source", paramLabel = "URL", description = "An empty Redis to load and read. Env: KEYFERRY_SOURCE.")
    String source;
    @Option(names = "--target", paramLabel = "URL", description = "An empty Redis to copy into. Env: KEYFERRY_TARGET.")
    String target;
    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "Parallel connection pairs of the ceiling copy. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_WORKERS.")
    int workers;

    @Option(names = "--startup", description = "Instead, time whole processes as an operator starts them, each from JVM "
            + "start to exit: --help, --version, a run of 20 keys on the embedded broker, status and audit of that run, "
            + "and status of a run that does not exist. The last line is machine-readable. Env: KEYFERRY_STARTUP.")
    boolean startup;

    @Option(names = "--follow", description = "Instead, live sync: a run --follow of --keys keys on the embedded broker "
            + "while the source takes --rate writes a second for --seconds seconds, then a cut-over; prints the follow lag "
            + "(change heard to its verdict) p50/p99/max. The last line is machine-readable. Env: KEYFERRY_FOLLOW.")
    boolean follow;
    @Option(names = "--rate", paramLabel = "N", defaultValue = "2000",
            description = "With --follow: source writes per second. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_RATE.")
    int rate;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "30",
            description = "With --follow: how long the writes go on. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_SECONDS.")
    int seconds;

    @picocli.CommandLine.Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        if (startup) {
            return StartupBench.run();
        }
        if (follow) {
            if (keys < 1 || keys > 100_000_000) {
                throw new ConfigException("--keys", "must be between 1 and 100000000");
            }
            if (rate < 1 || rate > 1_000_000) {
                throw new ConfigException("--rate", "must be between 1 and 1000000");
            }
            if (seconds < 1 || seconds > 86_400) {
                throw new ConfigException("--seconds", "must be between 1 and 86400");
            }
            return FollowBench.run(keys, rate, seconds);
        }
        if (keys < 1 || keys > 100_000_000) {
            throw new ConfigException("--keys", "must be between 1 and 100000000");
        }
        if ((source == null) != (target == null)) {
            throw new ConfigException(source == null ? "--source" : "--target", "give both --source and --target, or neither");
        }
        if (workers < 1 || workers > 64) {
            throw new ConfigException("--workers", "must be between 1 and 64");
        }
        List<AutoCloseable> owned = new ArrayList<>();
        Path brokerDir = Files.createTempDirectory("keyferry-bench-kafka");
        try {
            String src = source;
            String dst = target;
            if (src == null) {
                RedisProcess s = RedisProcess.start();
                RedisProcess t = RedisProcess.start();
                owned.add(s);
                owned.add(t);
                src = s.uri();
                dst = t.uri();
            }
            RedisStore s = RedisStore.connect(RedisEndpoint.parse("--source", src, false));
            RedisStore t = RedisStore.connect(RedisEndpoint.parse("--target", dst, false));
            owned.add(s);
            owned.add(t);
            if (s.dbsize() != 0 || t.dbsize() != 0) {
                throw new ConfigException(s.dbsize() != 0 ? "--source" : "--target",
                        "must be empty: bench loads, copies and flushes");
            }
            EmbeddedBroker broker = EmbeddedBroker.start(brokerDir.resolve("kafka"));
            owned.add(broker);

            long t0 = System.nanoTime();
            Workload.load(src, keys, 42);
            say("loaded %d keys in %.1f s", keys, seconds(t0));

            t0 = System.nanoTime();
            long copied = CeilingCopy.copy(src, dst, workers);
            double ceiling = copied / seconds(t0);
            say("ceiling (pipelined DUMP/PTTL -> RESTORE, %d workers): %.0f keys/s", workers, ceiling);
            Workload.clear(dst);

            HeapWatch heap = new HeapWatch();
            owned.add(heap);
            String stamp = Long.toString(System.currentTimeMillis());
            // one set of Kafka settings for the runs and for reading their audit trails back
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), "keyferry", KafkaSettings.CLUSTER_PARTITIONS, Map.of(), brokerDir);
            List<String> common = List.of("--source", src, "--target", dst, "--bootstrap-servers",
                    kafka.bootstrapServers(), "--state-dir", kafka.stateDir().toString(),
                    "--topic-prefix", kafka.topicPrefix(), "--partitions", Integer.toString(kafka.partitions()),
                    "--log-format", this.common.logFormat.name().toLowerCase(java.util.Locale.ROOT));
            KafkaClients clients = new KafkaClients(kafka, kafka.bootstrapServers());
            double dry = timed("bench-" + stamp + "-dry", common, List.of("--dry-run"), clients);
            double dump = timed("bench-" + stamp + "-dump", common, List.of("--execute", "--actor", "bench", "--copy", "dump"), clients);
            Workload.clear(dst);
            double struct = timed("bench-" + stamp + "-struct", common, List.of("--execute", "--actor", "bench", "--copy", "struct"),
                    clients);
            long heapMb = heap.peakInUse() / (1024 * 1024);
            long keptMb = heap.mostAfterFullCollection() / (1024 * 1024);
            say("heap during the runs (every role and the broker in this JVM): at most %d MB in use, garbage included; %s",
                    heapMb, heap.fullCollections() == 0 ? "no full collection"
                            : String.format(Locale.ROOT, "at most %d MB left in use after a full collection (%d of them)",
                            keptMb, heap.fullCollections()));
            System.out.printf(Locale.ROOT, "bench keys=%d ceiling_kps=%.0f dry_run_kps=%.0f execute_dump_kps=%.0f "
                    + "execute_struct_kps=%.0f ratio=%.3f heap_mb=%d%n", keys, ceiling, dry, dump, struct, dump / ceiling, heapMb);
            return dry > 0 && dump > 0 && struct > 0 ? Errors.OK : Errors.RUN_FAILED;
        } finally {
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    // best effort: nothing of the benchmark must stay running
                }
            }
            try (var walk = Files.walk(brokerDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Runs keyferry end to end and returns keys/s over the wall time; 0 when the run failed. Then,
     * outside the time measured, reads the run's audit trail again for its per-key latencies.
     */
    private double timed(String run, List<String> common, List<String> mode, KafkaClients clients) {
        List<String> args = new ArrayList<>(List.of("run", "--run", run));
        args.addAll(mode);
        args.addAll(common);
        long t0 = System.nanoTime();
        int code = Main.execute(args.toArray(new String[0]));
        double kps = code == Errors.OK ? keys / seconds(t0) : 0;
        say("%s: %s, %.0f keys/s", run, code == Errors.OK ? "ok" : "exit " + code, kps);
        if (code == Errors.OK) {
            try (RunTally tally = new AuditTopic(clients).tally(run, false)) {
                Latencies l = tally.latencies();
                say("%s: per-key latency, source read to verdict: p50 %d ms, p99 %d ms (%d verdicts)", run,
                        l.percentile(0.5), l.percentile(0.99), l.count());
            }
        }
        return kps;
    }

    private static double seconds(long t0) {
        return Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
    }

    private static void say(String format, Object... args) {
        System.out.println("bench: " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
