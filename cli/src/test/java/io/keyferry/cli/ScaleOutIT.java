package io.keyferry.cli;

import io.keyferry.testsupport.Await;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several processes in one run: scanners per workspace, migrator replicas sharing the keys
 * topic, a scanner and a replica killed with SIGKILL mid-run, and --rps held for the whole run
 * whatever the number of replicas. Every test ends with every key copied and exactly one line
 * (its final verdict) per key in the report.
 */
class ScaleOutIT {
    private static TestKafka kafka;
    private static int runs;

    private TestRedis source;
    private TestRedis target;
    private final List<Process> processes = new ArrayList<>();
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
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        source.close();
        target.close();
    }

    private static String newRun() {
        return "scale-" + ProcessHandle.current().pid() + "-" + (++runs);
    }

    private void load(String prefix, int n) {
        var s = source.strings();
        for (int i = 0; i < n; i++) {
            s.set(prefix + i, "value-" + i);
        }
    }

    private String kafkaArgs() {
        return " --bootstrap-servers " + kafka.bootstrapServers();
    }

    /** A role as its own JVM (as ops start them), logging to {@code name.log}. */
    private Process start(String name, String line) throws IOException {
        Process p = Cli.spawn(tmp.resolve(name + ".log"), "INFO", Cli.words(line).toArray(new String[0]));
        processes.add(p);
        return p;
    }

    private Process migrator(String name, String run, String more) throws IOException {
        return start(name, "migrate --run " + run + " --execute --actor it --source " + source.uri() + " --target "
                + target.uri() + kafkaArgs() + " --state-dir " + tmp.resolve("state") + " " + more);
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** verify --until-complete, then: every key copied, one report line (one final verdict) each, all matching. */
    private Cli.Outcome verifyAll(String run, String prefix, int n) throws IOException {
        Path report = tmp.resolve(run + ".csv");
        Cli.Outcome v = Cli.run("verify --run " + run + " --until-complete --report " + report + " --source " + source.uri()
                + " --target " + target.uri() + kafkaArgs());
        assertEquals(0, v.exitCode(), v.toString());
        var t = target.strings();
        for (int i = 0; i < n; i++) {
            assertEquals("value-" + i, t.get(prefix + i), prefix + i);
        }
        List<String> lines = Files.readAllLines(report);
        assertEquals(n + 1, lines.size(), "one line per key, however often it was published or processed");
        Map<String, Integer> perKey = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            perKey.merge(l.split(",")[1], 1, Integer::sum);
            assertTrue(l.endsWith(",copied,,match") || l.endsWith(",already_match,,match"), l);
        }
        assertEquals(n, perKey.size());
        assertEquals(n, v.count("verdict_match"));
        return v;
    }

    @Test
    void twoReplicasShareARunAndOneKilledMidRunLosesNoKey() throws Exception {
        String run = newRun();
        load("job:", 600);
        assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri() + kafkaArgs()).exitCode());
        Process a = migrator("a", run, "--rps 60");
        Process b = migrator("b", run, "--rps 60");
        assertTrue(Await.until(Duration.ofSeconds(90), () -> target.strings().dbsize() >= 150),
                "both replicas copy\n" + log("a") + log("b"));
        assertTrue(Await.until(Duration.ofSeconds(30), () -> lastShare(log("b")) > 0), log("b"));
        b.destroyForcibly();
        b.waitFor(30, TimeUnit.SECONDS);
        assertTrue(target.strings().dbsize() < 600, "b was killed mid-run");

        verifyAll(run, "job:", 600);
        assertTrue(a.isAlive(), "the surviving replica took over and kept running");
    }

    @Test
    void twoVerifiersShareARunAndOneKilledMidRunLeavesEveryKeyExactlyOneVerdict() throws Exception {
        String run = newRun();
        load("job:", 600);
        assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri() + kafkaArgs()).exitCode());
        migrator("m", run, "--rps 60");
        String verify = "verify --run " + run + " --until-complete --source " + source.uri() + " --target " + target.uri()
                + kafkaArgs();
        Process v1 = start("v1", verify + " --state-dir " + tmp.resolve("v1") + " --report " + tmp.resolve("v1.csv"));
        Process v2 = start("v2", verify + " --state-dir " + tmp.resolve("v2"));
        assertTrue(Await.until(Duration.ofSeconds(90), () -> verified(run) >= 150), log("v1") + log("v2"));
        assertTrue(v1.isAlive() && v2.isAlive(), "both verifiers share the run (neither is fenced):\n" + log("v1") + log("v2"));
        v2.destroyForcibly(); // kill -9 mid-run: its partitions go to v1
        v2.waitFor(30, TimeUnit.SECONDS);
        assertTrue(verified(run) < 600, "v2 was killed mid-run");

        assertTrue(v1.waitFor(180, TimeUnit.SECONDS), log("v1"));
        assertEquals(0, v1.exitValue(), log("v1"));
        assertEquals(601, Files.readAllLines(tmp.resolve("v1.csv")).size(), "one report line a key");
        // exactly one verdict a key on the trail: none lost with v2, none given twice
        Cli.Outcome audit = Cli.run("audit --run " + run + kafkaArgs());
        Map<String, Integer> perKey = new HashMap<>();
        audit.out().lines().filter(l -> l.contains(" match ") || l.contains(" mismatch ")).forEach(l -> {
            var m = java.util.regex.Pattern.compile(" (job:\\d+) ").matcher(l);
            assertTrue(m.find(), l);
            perKey.merge(m.group(1), 1, Integer::sum);
        });
        assertEquals(600, perKey.size(), audit.out());
        assertEquals(java.util.Set.of(1), new java.util.HashSet<>(perKey.values()), "verdicts a key: " + perKey);
    }

    /** Verdicts of the run so far, as status counts them. */
    private long verified(String run) {
        Cli.Outcome st = Cli.run("status --run " + run + kafkaArgs());
        var m = java.util.regex.Pattern.compile(" verified=(\\d+) ").matcher(st.out());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aScannerKilledAfterAFewPagesResumesFromItsCheckpointAndMissesNothing() throws Exception {
        String run = newRun();
        load("job:", 500);
        migrator("m", run, "");
        Process scan = start("scan1", "scan --run " + run + " --match job:* --batch 10 --rps 50 --source " + source.uri()
                + kafkaArgs());
        assertTrue(Await.until(Duration.ofSeconds(90), () -> target.strings().dbsize() >= 100), log("scan1") + log("m"));
        scan.destroyForcibly();
        scan.waitFor(30, TimeUnit.SECONDS);
        long before = target.strings().dbsize();
        assertTrue(before < 500, "killed mid-scan, " + before + " keys copied");

        Cli.Outcome again = Cli.run("scan --run " + run + " --match job:* --batch 10 --source " + source.uri() + kafkaArgs());
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("complete"), again.out());
        // it resumed: far fewer than 500 references the second time, however many the first published
        var m = java.util.regex.Pattern.compile("(\\d+) key references published").matcher(again.out());
        assertTrue(m.find(), again.out());
        long total = Long.parseLong(m.group(1));
        assertTrue(total >= 500 && total <= 500 + 10, "the restarted scanner repeats at most its last page: " + total);
        verifyAll(run, "job:", 500);
    }

    @Test
    void twoScannersForTwoWorkspacesRunSideBySideInOneRun() throws Exception {
        String run = newRun();
        load("ws-1:job:", 200);
        load("ws-2:job:", 300);
        Process one = start("scan-ws1", "scan --run " + run + " --workspace ws-1 --match ws-1:job:* --batch 20 --source "
                + source.uri() + kafkaArgs());
        Process two = start("scan-ws2", "scan --run " + run + " --workspace ws-2 --match ws-2:job:* --batch 20 --source "
                + source.uri() + kafkaArgs());
        // the migrator's rule tells each key's workspace, which the scanners' --workspace scopes by
        migrator("m", run, "--rename '{workspace_id}:job:{id} -> {workspace_id}:job:{id}'");
        assertTrue(one.waitFor(120, TimeUnit.SECONDS) && two.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, one.exitValue(), log("scan-ws1"));
        assertEquals(0, two.exitValue(), log("scan-ws2"));
        assertTrue(log("scan-ws1").contains("200 key references published, complete"), log("scan-ws1"));
        assertTrue(log("scan-ws2").contains("300 key references published, complete"), log("scan-ws2"));

        Path report = tmp.resolve("ws.csv");
        Cli.Outcome v = Cli.run("verify --run " + run + " --until-complete --report " + report + " --source " + source.uri()
                + " --target " + target.uri() + kafkaArgs());
        assertEquals(0, v.exitCode(), v.toString());
        assertEquals(500, v.count("copied"), "the run is complete only with both scanners' keys");
        assertEquals(500, target.strings().dbsize());
    }

    /**
     * --rps caps the whole run: once every replica paces at its share, the copy rate sampled on the
     * target over at least 20 s is within 10 % of it, with one, two and three replicas. The paced
     * replicas are then stopped and one without --rps finishes the run.
     */
    @Test
    void rpsCapsTheWholeRunWhateverTheNumberOfReplicas() throws Exception {
        int rps = 100; // pages are of 100 keys: enough of them that each replica always has some
        // Replicas joining a paced run take a while to settle their shares (4-50 s with three, see
        // operations.md): room for up to the 90 s allowed for that, the 21 s window, and the
        // window ending before the run. A replica without --rps copies what is left.
        int keys = rps * 120;
        // one replica, and three (two adds nothing the three do not show, and each costs a minute)
        for (int replicas : new int[] {1, 3}) {
            source.flushAll();
            target.flushAll();
            String run = newRun();
            load("job:", keys);
            assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri() + kafkaArgs()).exitCode());
            List<Process> started = new ArrayList<>();
            List<String> logs = new ArrayList<>();
            long begun = System.nanoTime();
            for (int r = 0; r < replicas; r++) {
                logs.add("rps-" + replicas + "-" + r);
                started.add(migrator(logs.get(r), run, "--rps " + rps));
            }
            // settled: the shares have added up to --rps for 5 s on end (a late rebalance moves them)
            long[] addingUpSince = {0};
            assertTrue(Await.until(Duration.ofSeconds(90), () -> {
                boolean addsUp = logs.stream().allMatch(l -> lastShare(log(l)) > 0)
                        && Math.abs(logs.stream().mapToDouble(l -> lastShare(log(l))).sum() - rps) <= rps * 0.05;
                if (!addsUp) {
                    addingUpSince[0] = 0;
                } else if (addingUpSince[0] == 0) {
                    addingUpSince[0] = System.nanoTime();
                }
                return addsUp && System.nanoTime() - addingUpSince[0] >= 5_000_000_000L;
            }), "the replicas' shares add up to --rps\n" + String.join("\n", logs.stream().map(this::log).toList()));
            double settled = (System.nanoTime() - begun) / 1e9;
            var s = target.strings();
            long n0 = s.dbsize();
            long t0 = System.nanoTime();
            assertTrue(Await.until(Duration.ofSeconds(60), () -> s.dbsize() >= n0 + rps * 21L),
                    "keys keep coming: " + s.dbsize() + " of " + keys + "\n" + String.join("\n", logs.stream().map(this::log).toList()));
            long n1 = s.dbsize();
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = (n1 - n0) / seconds;
            System.out.printf("replicas=%d settled=%.1fs copied_before=%d keys=%d window=%.1fs rate=%.1f keys/s (--rps %d)%n",
                    replicas, settled, n0, n1 - n0, seconds, rate, rps);
            assertTrue(n1 < keys, "the window ended before the run did");
            assertTrue(Math.abs(rate - rps) <= rps * 0.10, replicas + " replicas: " + rate + " keys/s against --rps " + rps);
            for (Process p : started) {
                p.destroy();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a paced replica stops on SIGTERM");
            }
            Process rest = migrator("rest-" + replicas, run, "");
            verifyAll(run, "job:", keys);
            rest.destroy();
            rest.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** The paces a migrator's log reported for its replica, in order. */
    private static List<Double> shares(String log) {
        var m = java.util.regex.Pattern.compile("share of --rps [0-9.]+: ([0-9.E]+) keys/s").matcher(log);
        List<Double> all = new ArrayList<>();
        while (m.find()) {
            all.add(Double.parseDouble(m.group(1)));
        }
        return all;
    }

    /** The pace a migrator's log last reported for its replica, or -1. */
    private static double lastShare(String log) {
        List<Double> all = shares(log);
        return all.isEmpty() ? -1 : all.get(all.size() - 1);
    }
}
