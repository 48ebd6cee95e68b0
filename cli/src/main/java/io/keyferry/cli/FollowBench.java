package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.follow.HeardHeader;
import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import io.keyferry.local.EmbeddedBroker;
import io.keyferry.local.RedisProcess;
import io.keyferry.local.bench.Workload;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench --follow}: a {@code run --follow} of {@code keys} keys on the embedded broker while
 * the source takes {@code rate} writes a second for {@code seconds} seconds, then a cut-over. The
 * follow lag of each change is read back from the run's topics: from when the follower heard it
 * (the header its key reference and result carry) to the time of its verdict on the audit topic.
 */
final class FollowBench {
    private FollowBench() {
    }

    static int run(long keys, int rate, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("keyferry-follow-bench");
        try (RedisProcess source = RedisProcess.start(); RedisProcess target = RedisProcess.start()) {
            long t0 = System.nanoTime();
            Workload.load(source.uri(), keys, 42);
            say("loaded %d keys in %.1f s", keys, (System.nanoTime() - t0) / 1e9);
            String run = "bench-follow-" + System.currentTimeMillis();
            Path state = dir.resolve("state");
            AtomicInteger code = new AtomicInteger(-1);
            Thread follow = new Thread(() -> code.set(Main.execute(new String[] {"run", "--run", run, "--follow",
                    "--set-notify-config", "--execute", "--actor", "bench", "--source", source.uri(), "--target", target.uri(),
                    "--state-dir", state.toString()})), "bench-follow");
            follow.start();
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> s = client.connect(io.lettuce.core.RedisURI.create(source.uri()));
                 StatefulRedisConnection<String, String> t = client.connect(io.lettuce.core.RedisURI.create(target.uri()))) {
                long loaded = s.sync().dbsize();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (t.sync().dbsize() < loaded && System.nanoTime() < deadline && follow.isAlive()) {
                    Thread.sleep(200);
                }
                say("snapshot of %d keys copied in %.1f s; now %d writes/s for %d s", loaded, (System.nanoTime() - t0) / 1e9,
                        rate, seconds);
                Thread.sleep(2_000);
                long written = write(s.async(), keys, rate, seconds);
                say("%d writes in %d s", written, seconds);
            } finally {
                client.shutdown();
            }
            int cut = Main.execute(new String[] {"cutover", "--run", run, "--quiet-for", "2", "--state-dir", state.toString()});
            follow.join(TimeUnit.MINUTES.toMillis(5));
            if (cut != Errors.OK || code.get() != Errors.OK) {
                say("cutover exit %d, run --follow exit %d", cut, code.get());
                return Errors.RUN_FAILED;
            }
            List<Long> lags = lags(state, run);
            if (lags.isEmpty()) {
                say("no change had its verdict");
                return Errors.RUN_FAILED;
            }
            lags.sort(null);
            System.out.printf(Locale.ROOT, "bench-follow keys=%d rate=%d seconds=%d changes=%d lag_p50_ms=%d lag_p99_ms=%d "
                            + "lag_max_ms=%d%n", keys, rate, seconds, lags.size(), at(lags, 0.5), at(lags, 0.99),
                    lags.get(lags.size() - 1));
            return Errors.OK;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** SETs of 200 bytes on random keys of the workload's names, {@code rate} a second, in 10 ms slices. */
    private static long write(RedisAsyncCommands<String, String> r, long keys, int rate, int seconds) throws Exception {
        Random rnd = new Random(7);
        String value = "x".repeat(200);
        long slices = seconds * 100L;
        long start = System.nanoTime();
        long written = 0;
        for (long slice = 0; slice < slices; slice++) {
            long due = start + slice * 10_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long upTo = (slice + 1) * rate / 100;
            List<RedisFuture<String>> sent = new ArrayList<>();
            for (; written < upTo; written++) {
                sent.add(r.set("bench:string:" + (long) (rnd.nextDouble() * keys), value + written));
            }
            for (RedisFuture<String> f : sent) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        return written;
    }

    /** Each followed change's lag: heard (the result's header) to verdict (its audit record). */
    private static List<Long> lags(Path state, String run) {
        KafkaSettings settings = new KafkaSettings(null, "keyferry", KafkaSettings.EMBEDDED_PARTITIONS, Map.of(), state);
        try (EmbeddedBroker broker = EmbeddedBroker.start(state.resolve("kafka"))) {
            KafkaClients clients = new KafkaClients(settings, broker.bootstrapServers());
            var start = new ProgressTopic(clients).state(run).start();
            Map<String, Long> heard = new HashMap<>();
            TopicReader.read(clients, Topics.RESULTS, start.resultsFrom(), r -> {
                var h = r.headers().lastHeader(HeardHeader.NAME);
                if (h != null && HeardHeader.read(h.value()) > 0) {
                    heard.put(r.topic() + "/" + r.partition() + "@" + r.offset(), HeardHeader.read(h.value()));
                }
            }, false, () -> false);
            List<Long> lags = new ArrayList<>();
            TopicReader.read(clients, Topics.AUDIT, start.auditFrom(), r -> {
                try {
                    if (r.value() != null && run.equals(Json.runOf(r.value())) && "audit".equals(Json.kindOf(r.value()))) {
                        var a = Json.decodeAudit(r.value());
                        Long at = heard.get(a.resultOffset());
                        if (at != null) {
                            lags.add(a.atMs() - at);
                        }
                    }
                } catch (BadRecordException e) {
                    // not a verdict
                }
            }, false, () -> false);
            return lags;
        }
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static void say(String format, Object... args) {
        System.out.println("bench: " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
