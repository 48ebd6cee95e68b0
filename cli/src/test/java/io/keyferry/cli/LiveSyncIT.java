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
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
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
    /** The application's writes a second. */
    private static final int WRITES_PER_S = 300;
    private static TestKafka kafka;

    // its data survives a restart (the AOF): the source restart test restarts it
    private final TestRedis source = TestRedis.start("--appendonly", "yes");
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

    /**
     * The application: writes of every kind to the source's job:* keys, a few hundred a second,
     * until stopped; with {@code snapshotKeysOnly}, only to the keys the snapshot held (set,
     * delete, expire, re-create), no new names.
     */
    private final class App implements AutoCloseable {
        private final boolean snapshotKeysOnly;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger writes = new AtomicInteger();
        private final RedisClient client = RedisClient.create();
        private final Thread thread = new Thread(this::write, "application");
        /** A few hundred writes a second, as the application: paced, not slept. */
        private final io.keyferry.core.rate.RateLimiter pace = new io.keyferry.core.rate.RateLimiter(WRITES_PER_S);

        App(boolean snapshotKeysOnly) {
            this.snapshotKeysOnly = snapshotKeysOnly;
            thread.start();
        }

        private void write() {
            Random random = new Random(7);
            int n = 0;
            while (!stop.get()) {
                try (StatefulRedisConnection<String, String> c = client.connect(source.redisUri())) {
                    RedisCommands<String, String> s = c.sync();
                    while (!stop.get()) {
                        n++;
                        int i = random.nextInt(KEYS);
                        if (i == 7) {
                            continue; // its target name is held by someone else: left as it is
                        }
                        String key = "job:" + i;
                        if (snapshotKeysOnly) {
                            switch (n % 4) {
                                case 0 -> s.set(key, "set-" + n);
                                case 1 -> s.del(key);
                                case 2 -> s.expire(key, 1 + random.nextInt(2));
                                default -> s.append(key, "+" + n);
                            }
                            writes.incrementAndGet();
                            pace.acquire();
                            continue;
                        }
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
                        pace.acquire();
                    }
                } catch (RuntimeException e) {
                    // the source restarting: connect again once it answers
                    try {
                        io.keyferry.testsupport.Await.until(Duration.ofSeconds(30), () -> stop.get() || answers(client, source));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        int writes() {
            return writes.get();
        }

        /** Until the application has written {@code more} times from now (at its pace, {@code more / WRITES_PER_S} s). */
        void awaitWrites(int more) throws InterruptedException {
            int until = writes.get() + more;
            assertTrue(io.keyferry.testsupport.Await.until(Duration.ofSeconds(120), () -> writes.get() >= until),
                    "the application wrote " + writes.get() + " times, not " + until);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
            client.shutdown();
        }
    }

    /** Whether {@code redis} accepts a connection from {@code client} and answers PING. */
    private static boolean answers(RedisClient client, TestRedis redis) {
        try (StatefulRedisConnection<String, String> conn = client.connect(redis.redisUri())) {
            return "PONG".equals(conn.sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Until the run's snapshot has its verdicts: its copies and what the run owns are committed. */
    private static void awaitVerified(String run, int keys, Path log) throws Exception {
        assertTrue(io.keyferry.testsupport.Await.until(Duration.ofSeconds(90), () -> {
            var m = java.util.regex.Pattern.compile(" verified=(\\d+) ")
                    .matcher(Cli.run("status --run " + run + " --bootstrap-servers " + kafka.bootstrapServers()).out());
            return m.find() && Long.parseLong(m.group(1)) >= keys;
        }), Files.readString(log));
    }

    /** Until {@code log} holds {@code line}. */
    private static void awaitLog(Path log, String line) throws InterruptedException {
        assertTrue(io.keyferry.testsupport.Await.until(Duration.ofSeconds(90), () -> {
            try {
                return Files.readString(log).contains(line);
            } catch (java.io.IOException e) {
                return false;
            }
        }), log + " has no '" + line + "'");
    }

    private Process follow(String run, Path log) throws java.io.IOException {
        return Cli.spawn(log, "INFO", Cli.words("run --run " + run + " --follow --set-notify-config --execute "
                + "--actor it --match job:* --rename 'job:{id} -> step:{id}' --source " + source.uri() + " --target "
                + target.uri() + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state")
                + " --report " + tmp.resolve("report.csv")).toArray(new String[0]));
    }

    /** The trail's lines of keys that are not the image (for a failure's message). */
    private static String troubles(String run) {
        Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
        return String.join("\n", audit.out().lines().filter(l -> l.contains("conflict_skipped") || l.contains(" mismatch ")
                || l.contains("source_changed") || l.contains(" error")).limit(30).toList());
    }

    /** Cuts the run over; checks the line, both exits and the target key by key. */
    private void cutOverToTheImage(String run, Process follow, Path log, Map<String, KeyByKey.Content> before, int held)
            throws Exception {
        Cli.Outcome cut = Cli.run("cutover --run " + run + " --quiet-for 2 --timeout 120 --bootstrap-servers "
                + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state-cutover"));
        assertTrue(follow.waitFor(60, TimeUnit.SECONDS), "run --follow ends after the cut-over:\n" + Files.readString(log));
        String out = Files.readString(log);
        // a target key held before the run is not the source's image: exit 2, and counted
        assertEquals(held == 0 ? 0 : 2, cut.exitCode(), cut + "\n--- run --follow\n" + out + "\n--- trail\n" + troubles(run));
        assertEquals(0, follow.exitValue(), out);
        String last = cut.out().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("cutover run=" + run + " keys=\\d+ changes=[1-9]\\d* mismatches=" + held + " lag_ms=\\d+"), last);
        KeyByKey.of(source, target).scope(k -> k.startsWith("job:")).rename(k -> "step:" + k.substring(4))
                .untouched(before).ttlToleranceMs(2_000).check();
        String report = Files.readString(tmp.resolve("report.csv"));
        assertFalse(report.contains(",mismatch\n"), report);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aFollowedRunCutOverLeavesTheTargetTheSourcesRenamedImage() throws Exception {
        load();
        target.strings().set("step:7", "someone else's"); // held before the run: never overwritten
        Map<String, KeyByKey.Content> before = KeyByKey.contents(target.bytes());
        String run = "live-" + ProcessHandle.current().pid();
        Path log = tmp.resolve("run.log");
        Process follow = follow(run, log);
        try (App app = new App(false)) {
            // the writes start while the snapshot is under way, and go on well after it: 15 s in all
            app.awaitWrites(15 * WRITES_PER_S);
        }
        assertTrue(follow.isAlive(), "run --follow keeps running until the cut-over:\n" + Files.readString(log));
        cutOverToTheImage(run, follow, log, before, 1);
        String report = Files.readString(tmp.resolve("report.csv"));
        assertTrue(report.contains(",updated,") && report.contains(",deleted,"), "the report holds follow statuses");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aFollowerKilledAndStartedAgainWalksTheScopeAgainAndStillEndsAsTheImage() throws Exception {
        load();
        Map<String, KeyByKey.Content> before = KeyByKey.contents(target.bytes());
        String run = "live-kill-" + ProcessHandle.current().pid();
        Process follow = follow(run, tmp.resolve("run-1.log"));
        Path log = tmp.resolve("run-2.log");
        // Killed once its snapshot is copied, with writes only to the keys it copied: a key whose
        // first copy a kill catches before its transaction commits, and whose source then changes
        // before it is back, is found held by someone else (docs/reliability.md)
        awaitVerified(run, KEYS, tmp.resolve("run-1.log"));
        try (App app = new App(true)) {
            app.awaitWrites(6 * WRITES_PER_S);
            follow.destroyForcibly().waitFor(); // kill -9, mid-follow
            app.awaitWrites(3 * WRITES_PER_S); // changes while nobody listens
            follow = follow(run, log);
            awaitLog(log, "following the source's changes until");
            app.awaitWrites(6 * WRITES_PER_S);
        }
        cutOverToTheImage(run, follow, log, before, 0);
        Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir "
                + tmp.resolve("state-audit"));
        assertTrue(audit.out().contains(" pass pass-1 (the run was started again"), audit.toString());
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aSourceRestartMidFollowLosesTheSubscriptionAndTheRunWalksTheScopeAgain() throws Exception {
        load();
        Map<String, KeyByKey.Content> before = KeyByKey.contents(target.bytes());
        String run = "live-restart-" + ProcessHandle.current().pid();
        Path log = tmp.resolve("run.log");
        Process follow = follow(run, log);
        try (App app = new App(false)) {
            app.awaitWrites(6 * WRITES_PER_S);
            source.process().restart(); // its notify-keyspace-events is back to the default: nothing is notified
            awaitLog(log, "again, after a reconnect");
            app.awaitWrites(6 * WRITES_PER_S);
        }
        assertTrue(follow.isAlive(), "run --follow goes on after the source's restart:\n" + Files.readString(log));
        cutOverToTheImage(run, follow, log, before, 0);
        Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir "
                + tmp.resolve("state-audit"));
        assertTrue(audit.out().contains(" pass pass-1 (the source's notifications were subscribed again"), audit.toString());
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theRolesApartFollowToo_aMigratorKilledMidFollowLeavesItsKeysToTheSurvivor() throws Exception {
        load();
        String run = "live-roles-" + ProcessHandle.current().pid();
        String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers();
        String migrate = "migrate --run " + run + " --follow --execute --actor it --rename 'job:{id} -> step:{id}' --source "
                + source.uri() + " --target " + target.uri() + kafkaArgs;
        Process scan = Cli.spawn(tmp.resolve("scan.log"), "INFO", Cli.words("scan --run " + run + " --follow --set-notify-config "
                + "--match job:* --source " + source.uri() + kafkaArgs + " --state-dir " + tmp.resolve("scan")).toArray(new String[0]));
        Process first = Cli.spawn(tmp.resolve("migrate-1.log"), "INFO",
                Cli.words(migrate + " --state-dir " + tmp.resolve("m1")).toArray(new String[0]));
        Process second = Cli.spawn(tmp.resolve("migrate-2.log"), "INFO",
                Cli.words(migrate + " --state-dir " + tmp.resolve("m2")).toArray(new String[0]));
        Process verify = Cli.spawn(tmp.resolve("verify.log"), "INFO", Cli.words("verify --run " + run + " --source "
                + source.uri() + " --target " + target.uri() + kafkaArgs + " --state-dir "
                + tmp.resolve("v")).toArray(new String[0]));
        try {
            // The snapshot copied first: a key whose first copy a kill catches before its transaction
            // commits, and whose source then changes, is found held by someone else (docs/reliability.md)
            awaitVerified(run, KEYS, tmp.resolve("migrate-2.log"));
            try (App app = new App(true)) {
                app.awaitWrites(6 * WRITES_PER_S);
                assertTrue(second.isAlive(), Files.readString(tmp.resolve("migrate-2.log")));
                second.destroyForcibly().waitFor(); // kill -9: its partitions, and what it owned, go to the survivor
                app.awaitWrites(8 * WRITES_PER_S);
            }
            Cli.Outcome cut = Cli.run("cutover --run " + run + " --quiet-for 2 --timeout 150" + kafkaArgs + " --state-dir "
                    + tmp.resolve("cutover"));
            assertTrue(scan.waitFor(60, TimeUnit.SECONDS), "scan --follow ends after the cut-over:\n"
                    + Files.readString(tmp.resolve("scan.log")));
            assertEquals(0, cut.exitCode(), cut + "\n--- scan\n" + Files.readString(tmp.resolve("scan.log")) + "\n--- trail\n"
                    + troubles(run));
            assertEquals(0, scan.exitValue(), Files.readString(tmp.resolve("scan.log")));
            assertTrue(cut.out().contains("mismatches=0"), cut.toString());
            KeyByKey.of(source, target).scope(k -> k.startsWith("job:")).rename(k -> "step:" + k.substring(4))
                    .ttlToleranceMs(2_000).check();
        } finally {
            for (Process p : List.of(scan, first, second, verify)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aDryRunFollowSaysWhatEachChangeWouldDoAndWritesNothing() throws Exception {
        RedisCommands<String, String> s = source.strings();
        for (int i = 0; i < 30; i++) {
            s.set("job:" + i, "v" + i);
        }
        String run = "live-dry-" + ProcessHandle.current().pid();
        Path log = tmp.resolve("run.log");
        Path report = tmp.resolve("dry.csv");
        Process follow = Cli.spawn(log, "INFO", Cli.words("run --run " + run + " --follow --set-notify-config --dry-run "
                + "--match job:* --source " + source.uri() + " --target " + target.uri() + " --bootstrap-servers "
                + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state") + " --report " + report)
                .toArray(new String[0]));
        try {
            assertTrue(io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> {
                Cli.Outcome st = Cli.run("status --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
                return st.out().contains("verified=30 ");
            }), Files.readString(log));
            s.set("job:1", "changed");
            s.del("job:2");
            s.set("job:new", "fresh");
            Cli.Outcome cut = Cli.run("cutover --run " + run + " --quiet-for 1 --timeout 60 --bootstrap-servers "
                    + kafka.bootstrapServers());
            assertTrue(follow.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
            // nothing was written: execute would still write 30 keys and delete one
            assertEquals(2, cut.exitCode(), cut.toString());
            assertTrue(cut.out().contains("cutover run=" + run + " keys=31 changes=3 mismatches=31 "), cut.toString());
            assertEquals(0, target.strings().dbsize());
            String csv = Files.readString(report);
            assertTrue(csv.contains("," + "job:1,job:1,string,") && csv.contains(",would_update,,not_applicable"), csv);
            assertTrue(csv.contains(run + ",job:2,job:2,,,,,,would_delete,,not_applicable"), csv);
            assertTrue(csv.contains(run + ",job:new,job:new,string,") && csv.contains(",would_copy,,not_applicable"), csv);
        } finally {
            follow.destroyForcibly().waitFor();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aClusterSourceIsFollowedOnEveryMaster() throws Exception {
        try (io.keyferry.testsupport.TestRedisCluster cluster = io.keyferry.testsupport.TestRedisCluster.start()) {
            var c = cluster.strings();
            for (int i = 0; i < 300; i++) {
                c.set("job:" + i, "v" + i);
            }
            String run = "live-cluster-" + ProcessHandle.current().pid();
            Path log = tmp.resolve("run.log");
            Process follow = Cli.spawn(log, "INFO", Cli.words("run --run " + run + " --follow --set-notify-config --execute "
                    + "--actor it --match job:* --source " + cluster.uri() + " --source-cluster --target " + target.uri()
                    + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state"))
                    .toArray(new String[0]));
            try {
                assertTrue(io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(90),
                        () -> target.strings().dbsize() >= 300), Files.readString(log));
                Random random = new Random(11);
                var pace = new io.keyferry.core.rate.RateLimiter(WRITES_PER_S);
                for (int n = 0; n < 600; n++) { // changes on keys of every master's slots
                    int i = random.nextInt(300);
                    switch (n % 4) {
                        case 0 -> c.set("job:" + i, "set-" + n);
                        case 1 -> c.del("job:" + i);
                        case 2 -> c.append("job:" + i, "+" + n);
                        default -> c.set("job:new" + n, "fresh");
                    }
                    pace.acquire();
                }
                Cli.Outcome cut = Cli.run("cutover --run " + run + " --quiet-for 2 --timeout 120 --bootstrap-servers "
                        + kafka.bootstrapServers());
                assertTrue(follow.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
                assertEquals(0, cut.exitCode(), cut + "\n--- run --follow\n" + Files.readString(log) + "\n--- trail\n"
                        + troubles(run));
                // the target is the source's image, key by key
                java.util.Map<String, String> want = new java.util.TreeMap<>();
                for (TestRedis node : cluster.nodes()) {
                    for (String k : node.strings().keys("*")) {
                        want.put(k, node.strings().get(k));
                    }
                }
                java.util.Map<String, String> got = new java.util.TreeMap<>();
                for (String k : target.strings().keys("*")) {
                    got.put(k, target.strings().get(k));
                }
                assertEquals(want, got);
                Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
                assertFalse(audit.out().contains(" pass pass-"), "no subscription was lost: no pass\n" + audit.out());
            } finally {
                follow.destroyForcibly().waitFor();
            }
        }
    }
}
