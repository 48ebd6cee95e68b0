package io.keyferry.cli;

import io.keyferry.local.EmbeddedBroker;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * status and audit of a one-machine run whose broker is stopped read the topics from its log
 * files, without starting a broker, and answer exactly what they answer with the broker running;
 * a run that is not finished, whose consumer groups only a broker knows, still gets a broker.
 */
class ReadAtRestIT {
    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeEach
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
        for (int i = 0; i < 30; i++) {
            source.strings().set("job:" + i, "v" + i);
        }
        target.strings().set("job:7", "already there");
    }

    @AfterEach
    void stopRedis() {
        source.close();
        target.close();
    }

    @Test
    void statusAndAuditOfAFinishedRunReadAtRestAnswerAsTheRunningBrokerDoes() throws Exception {
        Path state = tmp.resolve("state");
        Cli.Outcome run = Cli.run("run --run rest-1 --execute --actor it --match job:* --source " + source.uri()
                + " --target " + target.uri() + " --state-dir " + state);
        assertEquals(0, run.exitCode(), run.toString());
        Path clean = state.resolve("kafka").resolve("log").resolve(".kafka_cleanshutdown");
        FileTime stopped = Files.getLastModifiedTime(clean);

        Cli.Outcome status = Cli.run("status --run rest-1 --state-dir " + state);
        Cli.Outcome audit = Cli.run("audit --run rest-1 --state-dir " + state);
        Cli.Outcome mismatches = Cli.run("audit --run rest-1 --mismatches --state-dir " + state);
        Cli.Outcome unknown = Cli.run("status --run nope --state-dir " + state);
        assertEquals(stopped, Files.getLastModifiedTime(clean), "no broker started (a start removes the file, a stop writes it anew)");
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().contains(" scanned=30 scan_done=true processed=30 verified=30 mismatches=0 migrator_lag=0 "
                + "verifier_lag=0 "), status.out());
        assertEquals(30, audit.out().lines().count(), audit.out());
        assertEquals("", mismatches.out());
        assertEquals(1, unknown.exitCode(), unknown.toString());
        assertEquals("keyferry: --run: no run nope under --state-dir " + state.toAbsolutePath().normalize(), unknown.err().strip());

        try (EmbeddedBroker broker = EmbeddedBroker.start(state.resolve("kafka"))) {
            Cli.Outcome online = Cli.run("status --run rest-1 --state-dir " + state);
            assertEquals(status.out(), online.out(), "the running broker's answer");
            Cli.Outcome onlineAudit = Cli.run("audit --run rest-1 --state-dir " + state);
            assertEquals(sorted(audit.out()), sorted(onlineAudit.out()), "the same trail (same-millisecond lines may interleave otherwise)");
        }
    }

    @Test
    void aStatusWhileAnotherReaderHoldsTheStateDirWaitsForItAndReadsAtRest() throws Exception {
        Path state = tmp.resolve("state");
        Cli.Outcome run = Cli.run("run --run rest-2 --match job:* --source " + source.uri() + " --target " + target.uri()
                + " --state-dir " + state);
        assertEquals(0, run.exitCode(), run.toString());
        Path clean = state.resolve("kafka").resolve("log").resolve(".kafka_cleanshutdown");
        FileTime stopped = Files.getLastModifiedTime(clean);

        EmbeddedBroker.AtRest other = EmbeddedBroker.atRest(state.resolve("kafka")).orElseThrow();
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(1_500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            other.close();
        });
        release.start();
        Cli.Outcome status = Cli.run("status --run rest-2 --state-dir " + state);
        release.join();
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().startsWith("run rest-2: complete"), status.out());
        assertEquals(stopped, Files.getLastModifiedTime(clean), "read at rest once the other reader let go");
    }

    @Test
    void statusOfARunThatIsNotFinishedStartsTheBrokerForItsConsumerGroups() throws Exception {
        Path state = tmp.resolve("state");
        Cli.Outcome scan = Cli.run("scan --run part-1 --match job:* --source " + source.uri() + " --state-dir " + state);
        assertEquals(0, scan.exitCode(), scan.toString());
        Path clean = state.resolve("kafka").resolve("log").resolve(".kafka_cleanshutdown");
        FileTime stopped = Files.getLastModifiedTime(clean);

        Cli.Outcome status = Cli.run("status --run part-1 --state-dir " + state);
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().startsWith("run part-1: in progress"), status.out());
        // one page of 30 key references waits for the migrator
        assertTrue(status.out().contains(" scanned=30 scan_done=true processed=0 verified=0 mismatches=0 migrator_lag=1 "),
                status.out());
        assertTrue(Files.getLastModifiedTime(clean).compareTo(stopped) > 0, "a broker answered");
    }

    private static List<String> sorted(String lines) {
        return lines.lines().sorted().toList();
    }
}
