package io.keyferry.cli;

import io.keyferry.testsupport.TcpProxy;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis going away under a run: the target crashing and coming back from its append-only file,
 * and the source refusing connections for a few seconds (a TCP proxy in front of it cut and
 * restored). The run waits and retries; only a fault longer than --max-retries allows gives
 * {@code error}, and a new run then finishes the job.
 */
class RedisFaultsIT {
    private static TestKafka kafka;

    private TestRedis source;
    private TestRedis target;
    private TcpProxy proxy;
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
        if (proxy != null) {
            proxy.close();
        }
        source.close();
        target.close();
    }

    private String kafkaArgs(String run) {
        return " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state-" + run);
    }

    /** A run as its own JVM, reading the source through {@code sourceUri}. */
    private Process run(String run, String sourceUri, Path report, String more) {
        return job.spawn(run, "run --run " + run + " --execute --actor it --match " + FaultJob.MATCH + " --batch 20 --source "
                + sourceUri + " --target " + target.uri() + kafkaArgs(run) + " --report " + report + " " + more);
    }

    private void finishes(Process p, String name, int exitCode) throws InterruptedException {
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the run finishes\n" + job.log(name));
        assertEquals(exitCode, p.exitValue(), job.log(name));
    }

    @Test
    void theTargetKilledMidRunAndRestartedFromItsAppendOnlyFileLosesNoKey() throws Exception {
        source = TestRedis.start();
        target = TestRedis.start("--appendonly", "yes", "--appendfsync", "always");
        job = new FaultJob(tmp, 400, source, target);
        Path report = tmp.resolve("report.csv");
        Process p = run("target-restart", source.uri(), report, "--rps 40");
        assertTrue(job.awaitCopied(100, Duration.ofSeconds(90)), job.log("target-restart"));
        long at = job.copied();
        target.process().kill();
        Thread.sleep(1_500);
        target.process().restart();
        System.out.println("target killed with " + at + " keys copied, restarted from its AOF 1.5 s later");
        assertTrue(at < job.keys - 2, "killed mid-run");
        finishes(p, "target-restart", 0);
        job.checkAllCopied(report);
    }

    @Test
    void theSourceRefusingConnectionsForThreeSecondsDuringScanAndCopyIsWaitedFor() throws Exception {
        source = TestRedis.start();
        target = TestRedis.start();
        proxy = TcpProxy.to(source.port());
        job = new FaultJob(tmp, 400, source, target);
        Path report = tmp.resolve("report.csv");
        // the scan is paced, so the cut falls in the scan and in the copy both
        Process p = run("source-cut", "redis://127.0.0.1:" + proxy.port(), report, "--scan-rps 40");
        assertTrue(job.awaitCopied(100, Duration.ofSeconds(90)), job.log("source-cut"));
        proxy.cut();
        long at = job.copied();
        Thread.sleep(3_000);
        proxy.restore();
        System.out.println("source cut for 3 s with " + at + " keys copied");
        assertTrue(at < job.keys - 2, "cut mid-run");
        finishes(p, "source-cut", 0);
        job.checkAllCopied(report);
        assertTrue(job.log("source-cut").contains(" errors=0 "), job.log("source-cut"));
    }

    @Test
    void aSourceCutLongerThanTheRetryBudgetGivesErrorsAndANewRunFinishesTheJob() throws Exception {
        source = TestRedis.start();
        target = TestRedis.start();
        proxy = TcpProxy.to(source.port());
        job = new FaultJob(tmp, 400, source, target);
        String via = "redis://127.0.0.1:" + proxy.port();
        Path first = tmp.resolve("first.csv");
        Process p = run("budget-1", via, first, "--rps 40 --max-retries 1");
        assertTrue(job.awaitCopied(100, Duration.ofSeconds(90)), job.log("budget-1"));
        proxy.cut();
        Thread.sleep(3_000);
        proxy.restore();
        finishes(p, "budget-1", 2);
        List<String> lines = Files.readAllLines(first);
        // an error's line: status error, its cause (a CSV field, quoted when it holds a comma) as the reason
        java.util.regex.Pattern error = java.util.regex.Pattern.compile(",error,(\"([^\"]|\"\")*\"|[^,\"]*),not_applicable$");
        long errors = lines.stream().filter(l -> error.matcher(l).find()).count();
        System.out.println("source cut for 3 s under --max-retries 1: " + errors + " keys error");
        assertTrue(errors > 0, "keys met the cut with their retry budget spent\n" + String.join("\n", lines));
        assertEquals(job.keys + 1, lines.size(), "still one line per key");

        Path second = tmp.resolve("second.csv");
        finishes(run("budget-2", via, second, ""), "budget-2", 0);
        var o = job.checkAllCopied(second);
        // Each key that was an error is copied now, but the two the target held before the runs:
        // which keys meet a cut is chance (a whole page of them, when the page's read fails).
        for (String line : lines) {
            if (error.matcher(line).find()) {
                String key = line.split(",")[1];
                String expected = key.equals(FaultJob.SAME) ? "already_match" : key.equals(FaultJob.CONFLICT) ? "conflict_skipped" : "copied";
                assertEquals(expected, o.status().get(key), key + " was an error; the new run: " + o.status());
            }
        }
    }
}
