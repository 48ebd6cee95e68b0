package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.testsupport.Await;
import io.keyferry.testsupport.KeyByKey;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.keyferry.testsupport.TestRedisCluster;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster source that changes while it is scanned and copied (issue 25): a master failed over to
 * its replica, slots moved between masters walked and not yet walked, a slot left half-moved so
 * reads meet ASK. Every key must still be copied once and verified: one report line each,
 * {@code copied} and {@code match}, one verdict each on the audit trail, the target equal to the
 * source key by key.
 */
class ClusterChangeIT {
    /** Keys spread over every slot, several types. */
    private static final int KEYS = 3_000;
    /** Keys in each slot a test moves, on top of those that land there by chance. */
    private static final int PER_MOVED_SLOT = 40;
    /** The scanner's pace: the 3,000-odd keys take about 15 s, long enough to change the cluster under it. */
    private static final String SLOW_SCAN = " --scan-rps 200 --batch 50";

    private static TestKafka kafka;

    private TestRedisCluster cluster;
    private TestRedis target;
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

    @BeforeEach
    void start() {
        cluster = TestRedisCluster.start(1);
        target = TestRedis.start();
    }

    @AfterEach
    void stop() {
        cluster.close();
        target.close();
    }

    private String kafkaArgs() {
        return " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aFailoverAndSlotsMovedBetweenWalkedAndUnwalkedMastersDuringTheScanLeaveEveryKeyCopiedOnceAndVerified()
            throws Exception {
        List<TestRedis> masters = cluster.masters(); // walked in this order: by their first slot
        TestRedis first = masters.get(0);
        TestRedis second = masters.get(1);
        TestRedis third = masters.get(2);
        // a slot of the last master (not walked yet) moved to the first (walked), one of the first
        // moved to the last, and one of the master being walked moved to the first
        String unwalked = tagOn(third, "u");
        String walked = tagOn(first, "w");
        String walking = tagOn(second, "g");
        int fromUnwalked = TestRedisCluster.slotOf("{" + unwalked + "}");
        int fromWalked = TestRedisCluster.slotOf("{" + walked + "}");
        int fromWalking = TestRedisCluster.slotOf("{" + walking + "}");
        load(List.of(unwalked, walked, walking));
        long firstKeys = first.strings().dbsize();
        long secondKeys = second.strings().dbsize();

        String run = "cluster-change-1";
        Path report = tmp.resolve("change.csv");
        CompletableFuture<Cli.Outcome> running = CompletableFuture.supplyAsync(() -> Cli.run("run --run " + run
                + " --execute --actor it --source " + cluster.uri() + " --source-cluster --target " + target.uri()
                + SLOW_SCAN + " --report " + report + kafkaArgs()));

        // the first master is walked, the second is being walked, the third is not yet
        try (Progress progress = new Progress(run)) {
            assertTrue(Await.until(Duration.ofSeconds(60), () -> progress.published() > firstKeys + 50 || running.isDone()),
                    "the scan did not get into the second master");
            assertFalse(running.isDone(), () -> "the run ended before the cluster changed: " + running.join());
            TestRedis promoted = cluster.failover(second);
            cluster.migrateSlot(fromUnwalked, first);
            cluster.migrateSlot(fromWalked, third);
            cluster.migrateSlot(fromWalking, first);
            ScanProgress atChange = progress.latest();
            assertTrue(atChange != null && !atChange.done() && atChange.published() < firstKeys + secondKeys,
                    "the cluster changed while the second master was still being walked: " + atChange);
            assertTrue(cluster.masters().contains(promoted) && !cluster.masters().contains(second));
        }
        assertEquals(first, cluster.masterOf(fromUnwalked));
        assertEquals(third, cluster.masterOf(fromWalked));

        Cli.Outcome r = running.get(3, TimeUnit.MINUTES);
        assertEveryKeyCopiedOnceAndVerified(run, report, r);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSlotLeftHalfMovedDuringTheCopyIsReadThroughAskRedirectionsAndThenFinishedWithEveryKeyCopiedOnce()
            throws Exception {
        List<TestRedis> masters = cluster.masters();
        TestRedis first = masters.get(0);
        TestRedis third = masters.get(2);
        String tag = tagOn(third, "h");
        int slot = TestRedisCluster.slotOf("{" + tag + "}");
        load(List.of(tag));
        // IMPORTING on the first master, MIGRATING on the third, half of the slot's keys moved: the
        // third answers ASK for those, and the first serves them only after ASKING
        TestRedisCluster.SlotMigration half = cluster.beginMigration(slot, first);
        List<String> moved = half.moveKeys(PER_MOVED_SLOT / 2);
        assertEquals(PER_MOVED_SLOT / 2, moved.size());
        assertEquals(third, cluster.masterOf(slot), "the slot is still the third master's");

        String run = "cluster-change-2";
        Path report = tmp.resolve("half.csv");
        CompletableFuture<Cli.Outcome> running = CompletableFuture.supplyAsync(() -> Cli.run("run --run " + run
                + " --execute --actor it --source " + cluster.uri() + " --source-cluster --target " + target.uri()
                + SLOW_SCAN + " --report " + report + kafkaArgs()));

        // a key that had moved is on the target: its read was sent to the third master and followed ASK
        var t = target.strings();
        assertTrue(Await.until(Duration.ofSeconds(90), () -> moved.stream().anyMatch(k -> t.exists(k) > 0) || running.isDone()),
                "no moved key was copied");
        assertTrue(moved.stream().anyMatch(k -> t.exists(k) > 0), () -> "no moved key was copied: " + running.join());
        half.finish();
        assertEquals(first, cluster.masterOf(slot));

        Cli.Outcome r = running.get(3, TimeUnit.MINUTES);
        assertEveryKeyCopiedOnceAndVerified(run, report, r);
    }

    /**
     * Exit 0; one report line per source key, each {@code copied} / {@code match}; one verdict per
     * key on the audit trail, each {@code match}; the target equal to the source key by key.
     */
    private void assertEveryKeyCopiedOnceAndVerified(String run, Path report, Cli.Outcome r) throws Exception {
        long sourceKeys = cluster.dbsize();
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(sourceKeys, r.count("copied"), r.toString());
        assertEquals(sourceKeys, r.count("verdict_match"), r.toString());

        List<String> lines = Files.readAllLines(report);
        assertEquals("run,key,target_key,type,source_size,source_sha256,target_size,target_sha256,status,reason,verdict",
                lines.get(0));
        Map<String, Integer> lineCount = new HashMap<>();
        List<String> notCopied = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            lineCount.merge(f[1], 1, Integer::sum);
            if (!"copied".equals(f[8]) || !"match".equals(f[10])) {
                notCopied.add(line);
            }
        }
        assertTrue(notCopied.isEmpty(), () -> notCopied.size() + " keys not copied and matched: " + notCopied.subList(0,
                Math.min(10, notCopied.size())));
        assertEquals(sourceKeys, lineCount.size(), "one report line per source key");
        assertTrue(lineCount.values().stream().allMatch(n -> n == 1), "no key twice in the report");

        KeyByKey.Outcome o = KeyByKey.of(cluster, target).report(report).check();
        assertEquals(sourceKeys, o.keysCompared());
        assertEquals(sourceKeys, o.countStatus("copied"));
        assertEquals(sourceKeys, o.count("match"));

        // the audit trail: one verdict per key, a match of a copy
        Cli.Outcome audit = Cli.run("audit --run " + run + kafkaArgs());
        assertEquals(0, audit.exitCode(), audit.toString());
        Map<String, List<String>> verdicts = new TreeMap<>();
        audit.out().lines().filter(l -> !l.isBlank()).forEach(l -> {
            String[] f = l.split(" ");
            verdicts.computeIfAbsent(f[3], k -> new ArrayList<>()).add(f[1] + " " + f[2]);
        });
        assertEquals(sourceKeys, verdicts.size(), "a verdict for every key");
        Map<String, List<String>> wrong = new TreeMap<>();
        verdicts.forEach((k, v) -> {
            if (!v.equals(List.of("match copied"))) {
                wrong.put(k, v);
            }
        });
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " keys without exactly one match verdict of a copy: "
                + wrong.entrySet().stream().limit(10).toList());
    }

    /**
     * {@value #KEYS} keys of five types over every slot, plus {@value #PER_MOVED_SLOT} in the slot of
     * each hash tag of {@code tags} (the slots a test moves); a tenth with a TTL.
     */
    private void load(List<String> tags) {
        RedisAdvancedClusterCommands<String, String> c = cluster.strings();
        for (int i = 0; i < KEYS; i++) {
            write(c, "job:" + i, i);
        }
        for (String tag : tags) {
            for (int i = 0; i < PER_MOVED_SLOT; i++) {
                write(c, "job:{" + tag + "}:" + i, i);
            }
        }
    }

    private static void write(RedisAdvancedClusterCommands<String, String> c, String key, int i) {
        switch (i % 5) {
            case 0 -> c.set(key, "value-" + i);
            case 1 -> c.hset(key, Map.of("n", Integer.toString(i), "state", "done"));
            case 2 -> c.rpush(key, "a", "b", "a", Integer.toString(i));
            case 3 -> c.sadd(key, "x", "y", Integer.toString(i));
            default -> c.zadd(key, i, "m" + i);
        }
        if (i % 10 == 0) {
            c.pexpire(key, 600_000);
        }
    }

    /** A hash tag whose slot is {@code master}'s: {@code prefix} and a number. */
    private String tagOn(TestRedis master, String prefix) {
        for (int n = 0; ; n++) {
            if (cluster.masterOf(TestRedisCluster.slotOf("{" + prefix + n + "}")) == master) {
                return prefix + n;
            }
        }
    }

    /** The run's scanner as its checkpoints on the progress topic say. */
    private final class Progress implements AutoCloseable {
        private final String run;
        private final ProgressTopic topic;

        Progress(String run) {
            this.run = run;
            this.topic = new ProgressTopic(new KafkaClients(new KafkaSettings(kafka.bootstrapServers(), "keyferry", 12,
                    Map.of(), tmp), kafka.bootstrapServers()));
        }

        ScanProgress latest() {
            return topic.scanners(run).values().stream().findFirst().orElse(null);
        }

        long published() {
            ScanProgress p = latest();
            return p == null ? 0 : p.published();
        }

        @Override
        public void close() {
        }
    }
}
