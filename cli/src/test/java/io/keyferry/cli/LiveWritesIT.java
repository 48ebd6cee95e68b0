package io.keyferry.cli;

import io.keyferry.testsupport.KeyByKey;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application keeps working while a run goes: it rewrites a share of the source keys (some
 * right after their copy, before the verifier looks) and creates some of the run's keys on the
 * target first. No false {@code mismatch}: a source changed after its copy is
 * {@code source_changed}; and under {@code --on-conflict skip} no application write on the
 * target is overwritten.
 */
class LiveWritesIT {
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

    @Test
    void anApplicationWritingBothSidesDuringARunGetsNoFalseMismatchAndNoTargetWriteOverwritten() throws Exception {
        job = new FaultJob(tmp, 600, source, target);
        Map<String, Set<KeyByKey.Content>> written = new ConcurrentHashMap<>();
        Map<String, KeyByKey.Content> created = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        int[] writes = {0, 0};
        // The application's own connections, as its servers would have them.
        RedisClient client = RedisClient.create();
        Thread app = new Thread(() -> {
            try (StatefulRedisConnection<String, String> s = client.connect(source.redisUri());
                 StatefulRedisConnection<String, String> t = client.connect(target.redisUri())) {
                RedisCommands<String, String> src = s.sync();
                RedisCommands<String, String> dst = t.sync();
                int n = 0;
                while (!stop.get()) {
                    n++;
                    // string keys only (i % 5 == 0), so a write keeps the key's type; 12, 13: not string
                    int i = 5 * job.random.nextInt(job.keys / 5);
                    String key = "job:" + i;
                    if (i == 10) {
                        continue;
                    }
                    if (i % 10 == 5 && !written.containsKey(key)) {
                        // create it on the target before the run gets to it (NX: never over a copy)
                        String mine = "app-" + i + "-" + n;
                        if (dst.setnx(key, mine)) {
                            created.put(key, KeyByKey.Content.string(mine));
                            writes[1]++;
                        }
                        continue;
                    }
                    if (created.containsKey(key)) {
                        continue;
                    }
                    // a share of the source keys rewritten; most right after their copy appeared
                    if (dst.exists(key) == 1 || n % 3 == 0) {
                        String v = "live-" + i + "-" + n;
                        // the copy may hold the value from before the application's first write, or any it wrote
                        Set<KeyByKey.Content> values = written.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
                        values.add(KeyByKey.Content.string("value-" + i));
                        values.add(KeyByKey.Content.string(v));
                        src.set(key, v);
                        writes[0]++;
                    }
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "application");
        app.start();
        Path report = tmp.resolve("report.csv");
        Cli.Outcome o;
        try {
            o = Cli.run("run --run live-" + ProcessHandle.current().pid() + " --execute --actor it --match " + FaultJob.MATCH
                    + " --batch 20 --rps 100 " + job.endpoints() + " --bootstrap-servers " + kafka.bootstrapServers()
                    + " --state-dir " + tmp.resolve("state") + " --report " + report);
        } finally {
            stop.set(true);
            app.join();
            client.shutdown();
        }
        System.out.println("application: " + writes[0] + " source writes on " + written.size() + " keys, "
                + writes[1] + " target keys created first");
        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(0, o.count("mismatches"));

        KeyByKey.Outcome check = job.check(report, created, written);
        assertTrue(created.size() >= 5, "the application created target keys before their copy: " + created.keySet());
        for (String k : created.keySet()) {
            assertEquals("conflict_skipped", check.status().get(k), k + " was the application's: left alone");
        }
        long changed = check.count("source_changed");
        System.out.println(changed + " keys source_changed, " + check.count("match") + " match");
        assertTrue(changed >= 1, "some source keys changed between copy and verification: " + check.verdict());
        for (var e : check.verdict().entrySet()) {
            if (e.getValue().equals("source_changed")) {
                assertTrue(written.containsKey(e.getKey()), e.getKey() + " is source_changed but was never written");
            }
        }
        assertEquals(job.keys, check.count("match") + check.count("source_changed") + check.count("not_applicable"));
    }
}
