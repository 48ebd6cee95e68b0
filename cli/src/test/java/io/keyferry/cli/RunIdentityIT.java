package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run id names one run: one that does not exist where a command looks is an error, never an
 * empty run "in progress"; a finished run says it is finished; status shows what a rollback did.
 */
class RunIdentityIT {
    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeEach
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
        for (int i = 0; i < 20; i++) {
            source.strings().set("job:" + i, "v" + i);
        }
    }

    @AfterEach
    void stopRedis() {
        source.close();
        target.close();
    }

    @Test
    void aRunThatIsNotUnderTheStateDirOrADirWithoutDataIsAnErrorForStatusAuditAndRollback() throws Exception {
        Path state = tmp.resolve("state");
        Cli.Outcome run = Cli.run("run --run known-1 --match job:* --source " + source.uri() + " --target " + target.uri()
                + " --state-dir " + state);
        assertEquals(0, run.exitCode(), run.toString());

        for (String command : new String[] {"status --run nope", "audit --run nope",
                "rollback --run nope --target " + target.uri()}) {
            Cli.Outcome o = Cli.run(command + " --state-dir " + state);
            assertEquals(1, o.exitCode(), o.toString());
            assertEquals("keyferry: --run: no run nope under --state-dir " + state.toAbsolutePath().normalize(), o.err().strip(),
                    command);
            assertFalse(o.out().contains("in progress"), o.out());
        }

        Path wrong = tmp.resolve("not-a-state-dir");
        for (String command : new String[] {"status --run known-1", "audit --run known-1",
                "rollback --run known-1 --target " + target.uri()}) {
            Cli.Outcome o = Cli.run(command + " --state-dir " + wrong);
            assertEquals(1, o.exitCode(), o.toString());
            assertTrue(o.err().startsWith("keyferry: --state-dir: no keyferry data under " + wrong.toAbsolutePath().normalize()),
                    o.err());
            assertFalse(Files.exists(wrong), "nothing was created for a read-only command");
        }

        Cli.Outcome known = Cli.run("status --run known-1 --state-dir " + state);
        assertEquals(0, known.exitCode(), known.toString());
        assertTrue(Pattern.compile("run known-1: complete \\(finished 20\\d\\d-").matcher(known.out()).find(), known.out());
    }

    @Test
    void aFinishedRunStartedAgainSaysWhenItFinishedPrintsItsSummaryAndDoesNothingElse() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            String line = "run --run again-1 --execute --actor it --match job:* --source " + source.uri() + " --target "
                    + target.uri() + " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("s");
            Cli.Outcome first = Cli.run(line);
            assertEquals(0, first.exitCode(), first.toString());
            assertEquals(20, first.count("copied"));
            source.strings().set("job:new", "after the run"); // a finished run does not scan again

            Path report = tmp.resolve("again.csv");
            Cli.Outcome again = Cli.run(line + " --report " + report);
            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(Pattern.compile("(?m)^run again-1 finished at 20\\d\\d-\\d\\d-\\d\\dT[0-9:.]+Z \\(execute\\); nothing left to do")
                    .matcher(again.out()).find(), again.out());
            assertEquals(20, again.count("copied"), "the first run's summary");
            assertEquals(21, Files.readAllLines(report).size());
            assertEquals(0L, target.strings().exists("job:new"));

            Cli.Outcome status = Cli.run("status --run nope --bootstrap-servers " + kafka.bootstrapServers());
            assertEquals(1, status.exitCode(), status.toString());
            assertEquals("keyferry: --run: no run nope on --bootstrap-servers " + kafka.bootstrapServers()
                    + " with --topic-prefix keyferry", status.err().strip());
        }
    }

    @Test
    void statusAfterARollbackShowsTheKeysItRolledBack() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers();
            Cli.Outcome run = Cli.run("run --run rb-1 --execute --actor it --match job:* --source " + source.uri()
                    + " --target " + target.uri() + kafkaArgs + " --state-dir " + tmp.resolve("s"));
            assertEquals(0, run.exitCode(), run.toString());
            target.strings().set("job:3", "changed by the application");

            Cli.Outcome rollback = Cli.run("rollback --run rb-1 --execute --actor it --target " + target.uri() + kafkaArgs);
            assertEquals(0, rollback.exitCode(), rollback.toString());

            Cli.Outcome status = Cli.run("status --run rb-1" + kafkaArgs);
            assertEquals(0, status.exitCode(), status.toString());
            assertTrue(status.out().contains("rolled back 19 keys (19 deleted, 0 restored), 1 left alone"), status.out());
            assertTrue(status.out().contains(" rolled_back=19"), status.out());
        }
    }
}
