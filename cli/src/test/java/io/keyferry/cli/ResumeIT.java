package io.keyferry.cli;

import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A `run` on the embedded broker, killed with SIGKILL mid-way and started again with the same --run. */
class ResumeIT {
    private static final int KEYS = 400;

    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeEach
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
        for (int i = 0; i < KEYS; i++) {
            source.strings().set("job:" + i, "value-" + i);
        }
    }

    @AfterEach
    void stopRedis() {
        source.close();
        target.close();
    }

    @Test
    void aKilledRunStartedAgainWithTheSameRunIdFinishesWithoutLosingAKey() throws Exception {
        Path state = tmp.resolve("state");
        Path report = tmp.resolve("report.csv");
        List<String> common = List.of("run", "--run", "resume-it", "--execute", "--actor", "it", "--match", "job:*",
                "--batch", "20", "--source", source.uri(), "--target", target.uri(), "--state-dir", state.toString(),
                "--report", report.toString());

        List<String> slow = new ArrayList<>(common);
        slow.addAll(List.of("--scan-rps", "40"));
        Process first = new ProcessBuilder(EndToEndIT.javaCommand(slow.toArray(new String[0])))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(90),
                () -> target.strings().dbsize() >= 40 || !first.isAlive());
        first.destroyForcibly();
        first.waitFor(30, TimeUnit.SECONDS);
        long copiedBeforeKill = target.strings().dbsize();
        assertTrue(copiedBeforeKill >= 40 && copiedBeforeKill < KEYS,
                "killed mid-run with " + copiedBeforeKill + " keys copied\n" + Files.readString(tmp.resolve("first.log")));

        Process second = new ProcessBuilder(EndToEndIT.javaCommand(common.toArray(new String[0])))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("second.log").toFile()).start();
        assertTrue(second.waitFor(180, TimeUnit.SECONDS), "the resumed run finishes");
        String out = Files.readString(tmp.resolve("second.log"));
        assertEquals(0, second.exitValue(), out);

        assertEquals(KEYS, target.strings().dbsize());
        for (int i = 0; i < KEYS; i++) {
            assertEquals("value-" + i, target.strings().get("job:" + i));
        }
        List<String> lines = Files.readAllLines(report);
        assertEquals(KEYS + 1, lines.size(), "one report line per key, whatever was published twice");
        assertTrue(lines.stream().skip(1).allMatch(l -> l.endsWith(",copied,,match") || l.endsWith(",already_match,,match")),
                String.join("\n", lines));
        assertTrue(out.contains(" mismatches=0 "), out);
    }
}
