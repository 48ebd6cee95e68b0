package io.keyferry.cli;

import io.keyferry.testsupport.KafkaProcess;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka broker — its own process, as in production — killed with SIGKILL in the middle of a
 * run and started again on the same data a few seconds later: the run waits for it and finishes
 * with nothing lost.
 */
class BrokerRestartIT {
    private final TestRedis source = TestRedis.start();
    private final TestRedis target = TestRedis.start();
    private KafkaProcess kafka;
    private FaultJob job;
    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws InterruptedException {
        if (job != null) {
            job.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        source.close();
        target.close();
    }

    @Test
    void aBrokerKilledAndStartedAgainMidRunLosesNoKey() throws Exception {
        kafka = KafkaProcess.start();
        job = new FaultJob(tmp, 400, source, target);
        Path report = tmp.resolve("report.csv");
        Process run = job.spawn("run", "run --run broker-restart --execute --actor it --match " + FaultJob.MATCH
                + " --batch 20 --rps 40 " + job.endpoints() + " --bootstrap-servers " + kafka.bootstrapServers()
                + " --state-dir " + tmp.resolve("state") + " --report " + report);
        assertTrue(job.awaitCopied(100, Duration.ofSeconds(90)), job.log("run"));
        kafka.kill();
        long at = job.copied();
        Thread.sleep(3_000);
        kafka.startAgain();
        System.out.println("broker killed with " + at + " keys copied, started again 3 s later");
        assertTrue(at < job.keys - 2, "killed mid-run");

        assertTrue(run.waitFor(240, TimeUnit.SECONDS), "the run finishes\n" + job.log("run"));
        assertEquals(0, run.exitValue(), job.log("run") + job.mismatches(report));
        job.checkAllCopied(report);
    }
}
