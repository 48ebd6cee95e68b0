package io.keyferry.cli;

import io.keyferry.migrator.MigratorApp;
import io.keyferry.testsupport.Await;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each role killed with SIGKILL at random moments, {@value #KILLS} times in a row, and started
 * again with the same --run each time: the scanner, one of two migrator replicas, the verifier,
 * and the all-in-one {@code run} with its embedded broker. Each test ends with the whole target
 * compared with the source key by key, and one report line (one final verdict) per key.
 */
class KillLoopIT {
    private static final int KILLS = 3;
    private static TestKafka kafka;
    private static int runs;

    private TestRedis source;
    private TestRedis target;
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

    @BeforeEach
    void start() {
        source = TestRedis.start();
        target = TestRedis.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (job != null) {
            job.close();
        }
        source.close();
        target.close();
    }

    private static String newRun() {
        return "kill-" + ProcessHandle.current().pid() + "-" + (++runs);
    }

    private String kafkaArgs() {
        return " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state");
    }

    private Process migrator(String name, String run, String more) {
        return job.spawn(name, "migrate --run " + run + " --execute --actor it " + job.endpoints() + kafkaArgs() + " " + more);
    }

    /** Results the verifier group has committed verdicts for, over all partitions. */
    private static long verified(String run) {
        try (var admin = kafka.admin()) {
            return admin.listConsumerGroupOffsets("keyferry-verify-" + run).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).values().stream().filter(o -> o != null).mapToLong(o -> o.offset()).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * One run whose three kinds of process are all killed in turn: in each of {@value #KILLS}
     * rounds, the scanner, replica b (of a and b) and the verifier are each killed at a random
     * moment and started again with the same --run.
     */
    @Test
    void theScannerOneOfTwoReplicasAndTheVerifierEachKilledThreeTimesAtRandomMomentsLoseNoKey() throws Exception {
        job = new FaultJob(tmp, 800, source, target);
        String run = newRun();
        Path report = tmp.resolve("report.csv");
        String scanLine = "scan --run " + run + " --match " + FaultJob.MATCH + " --batch 10 --rps 40 --source " + source.uri()
                + kafkaArgs();
        String verifyLine = "verify --run " + run + " --until-complete --report " + report + " " + job.endpoints() + kafkaArgs();
        Process scan = job.spawn("scan0", scanLine);
        Process a = migrator("a", run, "--rps 30");
        Process b = migrator("b0", run, "--rps 30");
        Process verify = job.spawn("verify0", verifyLine);
        assertTrue(job.awaitCopied(30, Duration.ofSeconds(90)) && Await.until(Duration.ofSeconds(60), () -> verified(run) > 0),
                "the run goes\n" + job.log("scan0") + job.log("a") + job.log("b0") + job.log("verify0"));
        List<String> kills = new ArrayList<>();
        for (int i = 1; i <= KILLS; i++) {
            job.randomPause(500, 2_500);
            kills.add((scan.isAlive() ? "scanner" : "scanner (had finished)") + " at " + job.copied());
            FaultJob.kill(scan);
            scan = job.spawn("scan" + i, scanLine);
            job.randomPause(500, 2_500);
            kills.add("replica b at " + job.copied());
            FaultJob.kill(b);
            b = migrator("b" + i, run, "--rps 30");
            job.randomPause(500, 2_500);
            assertTrue(verify.isAlive(), "the verifier was killed before the run was complete\n" + job.log("verify" + (i - 1)));
            kills.add("verifier at " + job.copied() + " (" + verified(run) + " verdicts)");
            FaultJob.kill(verify);
            verify = job.spawn("verify" + i, verifyLine);
        }
        System.out.println("killed, with the keys copied then: " + kills);
        assertTrue(job.copied() < job.keys - 2, "the last kills were mid-run: " + kills);
        assertTrue(scan.waitFor(120, TimeUnit.SECONDS), job.log("scan" + KILLS));
        assertEquals(0, scan.exitValue(), job.log("scan" + KILLS));
        assertTrue(verify.waitFor(180, TimeUnit.SECONDS), "the last verifier sees the run complete\n" + job.log("verify" + KILLS));
        assertEquals(0, verify.exitValue(), job.log("verify" + KILLS) + job.mismatches(report));
        job.checkAllCopied(report);
        assertTrue(a.isAlive() && b.isAlive(), "the replicas keep running until stopped");
    }

    /** Where each partition of the results topic ends, for a reader at the given isolation level. */
    private static Map<TopicPartition, Long> resultsEnd(IsolationLevel isolation) {
        try (var admin = kafka.admin()) {
            int partitions = admin.describeTopics(List.of("keyferry.results")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("keyferry.results").partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                latest.put(new TopicPartition("keyferry.results", i), OffsetSpec.latest());
            }
            return admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get(10, TimeUnit.SECONDS)
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor());
    }

    /** The partitions whose committed end is short of {@code written}. */
    private static Set<TopicPartition> behind(Map<TopicPartition, Long> written) {
        Map<TopicPartition, Long> committed = resultsEnd(IsolationLevel.READ_COMMITTED);
        return written.entrySet().stream().filter(e -> committed.getOrDefault(e.getKey(), 0L) < e.getValue())
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** The transactional ids of the run's migrator replicas that the broker knows. */
    private static Set<String> migratorTransactionalIds(String run) throws Exception {
        try (var admin = kafka.admin()) {
            return admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
                    .map(TransactionListing::transactionalId)
                    .filter(id -> id.startsWith("keyferry-migrate-" + run + "-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * A replica killed inside a transaction leaves it open; the replica restarted in its slot takes
     * the same transactional id and so aborts it at once. Under a new id, the restarted replica
     * would wait for the dead transaction to time out (a minute) before it could read its
     * partitions' committed offsets.
     */
    @Test
    void aReplicaKilledAndRestartedInItsSlotTakesItsPredecessorsTransactionalIdAndGoesOnBeforeTheDeadTransactionTimesOut()
            throws Exception {
        job = new FaultJob(tmp, 10_000, source, target);
        String run = newRun();
        Path report = tmp.resolve("report.csv");
        Process scan = job.spawn("scan", "scan --run " + run + " --match " + FaultJob.MATCH + " --batch 10 --source "
                + source.uri() + kafkaArgs());
        Process a = migrator("a0", run, "");
        assertTrue(job.awaitCopied(200, Duration.ofSeconds(90)), "the run goes\n" + job.log("scan") + job.log("a0"));
        Set<String> before = migratorTransactionalIds(run);
        assertEquals(MigratorApp.STREAM_THREADS, before.size(), "one replica, an id per stream thread: " + before);
        assertEquals(1, before.stream().map(id -> id.substring(0, id.lastIndexOf('-'))).distinct().count(),
                "the threads' ids differ only by the thread's number: " + before);
        // Kill it inside a transaction: with the target stopped, the replica is held in the middle of
        // a page, often with the results of the pages before it sent and not yet committed; when
        // it is not, let it go on a little and stop it again.
        Map<TopicPartition, Long> written = null;
        for (int attempt = 0; written == null && attempt < 20; attempt++) {
            signal("STOP", target.process().pid());
            try {
                if (Await.until(Duration.ofSeconds(2), () -> !behind(resultsEnd(IsolationLevel.READ_UNCOMMITTED)).isEmpty())) {
                    FaultJob.kill(a);
                    written = resultsEnd(IsolationLevel.READ_UNCOMMITTED);
                }
            } finally {
                signal("CONT", target.process().pid());
            }
            Thread.sleep(50 + job.random.nextInt(200)); // the next moment to try
        }
        assertTrue(written != null, "killed inside a transaction\n" + job.log("a0"));
        Map<TopicPartition, Long> open = written;
        long atKill = job.copied();
        long restarted = System.nanoTime();
        a = migrator("a1", run, "");
        assertTrue(atKill < job.keys - 20, "killed mid-run, at " + atKill);
        assertTrue(job.awaitCopied(atKill + 20, Duration.ofSeconds(40)),
                "copies go on before the dead transaction times out\n" + job.log("a1"));
        assertTrue(Await.until(Duration.ofSeconds(30), () -> behind(open).isEmpty()),
                "what the dead replica left open is settled well within the transaction timeout of "
                        + MigratorApp.TRANSACTION_TIMEOUT_MS + " ms\n" + job.log("a1"));
        System.out.println("the results were settled " + (System.nanoTime() - restarted) / 1_000_000 + " ms after the restart");
        assertEquals(before, migratorTransactionalIds(run), "the restarted replica took its predecessor's id");
        Process verify = job.spawn("verify", "verify --run " + run + " --until-complete --report " + report + " "
                + job.endpoints() + kafkaArgs());
        assertTrue(scan.waitFor(60, TimeUnit.SECONDS), job.log("scan"));
        assertTrue(verify.waitFor(180, TimeUnit.SECONDS), "the verifier sees the run complete\n" + job.log("verify"));
        assertEquals(0, verify.exitValue(), job.log("verify") + job.mismatches(report));
        job.checkAllCopied(report);
        assertTrue(a.isAlive(), "the replica keeps running until stopped");
    }

    @Test
    void theAllInOneRunKilledThreeTimesAtRandomMomentsWithItsEmbeddedBrokerResumesAndLosesNoKey() throws Exception {
        job = new FaultJob(tmp, 300, source, target);
        Path report = tmp.resolve("report.csv");
        String line = "run --run all-in-one --execute --actor it --match " + FaultJob.MATCH + " --batch 20 " + job.endpoints()
                + " --state-dir " + tmp.resolve("embedded") + " --report " + report;
        List<Long> at = new ArrayList<>();
        for (int i = 1; i <= KILLS; i++) {
            Process r = job.spawn("run" + i, line + " --rps 25");
            long before = job.copied();
            assertTrue(job.awaitCopied(before + 10, Duration.ofSeconds(90)), "run " + i + " copies\n" + job.log("run" + i));
            job.randomPause(0, 1_500);
            assertTrue(r.isAlive(), "killed mid-run\n" + job.log("run" + i));
            FaultJob.kill(r);
            at.add(job.copied());
        }
        System.out.println("run killed with " + at + " keys copied");
        assertTrue(at.get(KILLS - 1) < job.keys - 2, "the last kill was mid-run: " + at);
        Process last = job.spawn("run-last", line);
        assertTrue(last.waitFor(180, TimeUnit.SECONDS), "the resumed run finishes\n" + job.log("run-last"));
        assertEquals(0, last.exitValue(), job.log("run-last") + job.mismatches(report));
        job.checkAllCopied(report);
        assertTrue(job.log("run-last").contains(" mismatches=0 "), job.log("run-last"));
    }
}
