package io.keyferry.cli;

import io.keyferry.testsupport.KeyByKey;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --follow} while an application keeps writing the source: a snapshot of keys of every
 * kind, with sets, appends, deletes, short TTLs that expire, renames and new keys coming the whole
 * time; then the writes stop and {@code cutover} ends the run. The target is then the renamed
 * image of the source, key by key, and a target key that was there before the run is untouched.
 */
class LiveSyncIT {
    private static final int KEYS = 2_000;
    private static TestKafka kafka;

    private final TestRedis source = TestRedis.start();
    private final TestRedis target = TestRedis.start();
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
    void stop() {
        source.close();
        target.close();
    }

    private void load() {
        RedisCommands<String, String> s = source.strings();
        for (int i = 0; i < KEYS; i++) {
            String key = "job:" + i;
            switch (i % 5) {
                case 0 -> s.set(key, "value-" + i);
                case 1 -> s.hset(key, Map.of("a", "1", "b", Integer.toString(i)));
                case 2 -> s.rpush(key, "x", "y", Integer.toString(i));
                case 3 -> s.sadd(key, "m1", "m" + i);
                default -> s.zadd(key, i, "z" + i);
            }
        }
        s.set("job:ttl", "long-lived", SetArgs.Builder.ex(3600));
        s.set("other:1", "not in scope");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aFollowedRunCutOverLeavesTheTargetTheSourcesRenamedImage() throws Exception {
        load();
        target.strings().set("step:7", "someone else's"); // held before the run: never overwritten
        Map<String, KeyByKey.Content> before = KeyByKey.contents(target.bytes());
        String run = "live-" + ProcessHandle.current().pid();
        Path log = tmp.resolve("run.log");
        Process follow = Cli.spawn(log, "INFO", Cli.words("run --run " + run + " --follow --set-notify-config --execute "
                + "--actor it --match job:* --rename 'job:{id} -> step:{id}' --source " + source.uri() + " --target "
                + target.uri() + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state")
                + " --report " + tmp.resolve("report.csv")).toArray(new String[0]));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger writes = new AtomicInteger();
        RedisClient client = RedisClient.create();
        Thread app = new Thread(() -> {
            Random random = new Random(7);
            try (StatefulRedisConnection<String, String> c = client.connect(source.redisUri())) {
                RedisCommands<String, String> s = c.sync();
                int n = 0;
                while (!stop.get()) {
                    n++;
                    int i = random.nextInt(KEYS);
                    String key = "job:" + i;
                    switch (n % 8) {
                        case 0 -> s.set(key, "set-" + n);
                        case 1 -> s.append("job:s" + (i % 50), "+" + n);
                        case 2 -> s.del(key);
                        case 3 -> s.set("job:short" + (i % 40), "brief", SetArgs.Builder.px(300 + random.nextInt(700)));
                        case 4 -> {
                            if (s.exists(key) == 1) {
                                s.rename(key, "job:renamed" + n);
                            }
                        }
                        case 5 -> s.hset("job:h" + (i % 30), "f" + n, "v");
                        case 6 -> s.expire(key, 1 + random.nextInt(2));
                        default -> s.set("job:new" + n, "fresh");
                    }
                    writes.incrementAndGet();
                    Thread.sleep(3);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "application");
        try {
            // the writes start while the snapshot is under way, and go on well after it
            app.start();
            Thread.sleep(15_000);
        } finally {
            stop.set(true);
            app.join();
            client.shutdown();
        }
        assertTrue(writes.get() > 1_000, "the application wrote " + writes.get() + " times");
        assertTrue(follow.isAlive(), "run --follow keeps running until the cut-over:\n" + Files.readString(log));

        Cli.Outcome cut = Cli.run("cutover --run " + run + " --quiet-for 2 --timeout 120 --bootstrap-servers "
                + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state-cutover"));
        assertTrue(follow.waitFor(60, TimeUnit.SECONDS), "run --follow ends after the cut-over:\n" + Files.readString(log));
        String out = Files.readString(log);
        assertEquals(0, cut.exitCode(), cut + "\n--- run --follow\n" + out);
        assertEquals(0, follow.exitValue(), out);
        String last = cut.out().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("cutover run=" + run + " keys=\\d+ changes=[1-9]\\d* mismatches=0 lag_ms=\\d+"), last);

        KeyByKey.of(source, target).scope(k -> k.startsWith("job:")).rename(k -> "step:" + k.substring(4))
                .untouched(Map.of("step:7", before.get("step:7"))).ttlToleranceMs(2_000).check();
        String report = Files.readString(tmp.resolve("report.csv"));
        assertFalse(report.contains(",mismatch\n"), report);
        assertTrue(report.contains(",updated,") && report.contains(",deleted,"), "the report holds follow statuses");
    }
}
