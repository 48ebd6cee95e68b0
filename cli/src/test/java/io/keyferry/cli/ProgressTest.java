package io.keyferry.cli;

import io.keyferry.core.metrics.Metrics;
import io.keyferry.testsupport.Await;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    @Test
    void thePlainLineGivesDoneTotalRateAndEta() {
        try (Progress p = Progress.plain("jobs-1", () -> 0, () -> 0, new PrintStream(new ByteArrayOutputStream()))) {
            assertEquals("progress run=jobs-1 done=300 total=1000 keys_per_s=30.0 eta=24s", p.line(1000, 300, 10));
            assertEquals("progress run=jobs-1 done=0 total=1000 keys_per_s=0.0 eta=unknown", p.line(1000, 0, 10));
            assertEquals("progress run=jobs-1 done=5 total=unknown keys_per_s=2.5 eta=unknown", p.line(-1, 5, 2));
            assertEquals("progress run=jobs-1 done=10 total=10 keys_per_s=5.0 eta=0s", p.line(10, 10, 2));
        }
    }

    @Test
    void aFollowedRunsLineAlsoGivesTheLastChangesLagOnceThereIsOne() {
        AtomicLong lag = new AtomicLong(-1);
        try (Progress p = Progress.plain("live-1", () -> 0, () -> 0, new PrintStream(new ByteArrayOutputStream()))
                .following(lag::get)) {
            assertEquals("progress run=live-1 done=10 total=10 keys_per_s=5.0 eta=0s", p.line(10, 10, 2));
            lag.set(340);
            assertEquals("progress run=live-1 done=10 total=10 keys_per_s=5.0 eta=0s lag_ms=340", p.line(10, 10, 2));
        }
    }

    @Test
    void theCounterKeepsTheLastLagAndPassesFollowMetricsOn() {
        AtomicLong passed = new AtomicLong();
        Progress.Counter c = new Progress.Counter(new Metrics() {
            @Override
            public void followLag(String workspace, long millis) {
                passed.addAndGet(millis);
            }
        });
        assertEquals(-1, c.lagMs());
        c.followLag(null, 120);
        c.followLag("ws", 80);
        assertEquals(80, c.lagMs());
        assertEquals(200, passed.get());
    }

    @Test
    void outsideATerminalAPlainLineIsPrintedEveryFewSeconds() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicLong done = new AtomicLong(40);
        try (Progress p = Progress.plain("jobs-2", done::get, () -> 100, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            assertTrue(Await.until(Duration.ofSeconds(15), () -> err.toString(StandardCharsets.UTF_8).contains("\n")));
        }
        String line = err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertTrue(line.matches("progress run=jobs-2 done=40 total=100 keys_per_s=[0-9.]+ eta=\\S+"), line);
    }

    @Test
    void aFailingTotalKeepsTheLastOneAndNeverStopsTheRole() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Progress p = Progress.plain("jobs-3", () -> 1, () -> {
            throw new IllegalStateException("broker gone");
        }, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            assertTrue(Await.until(Duration.ofSeconds(15), () -> err.toString(StandardCharsets.UTF_8).contains("\n")));
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("progress run=jobs-3 done=1 total=unknown"), err.toString());
    }

    @Test
    void theCounterCountsWhatTheRolesReportAndPassesItOn() {
        AtomicReference<String> seen = new AtomicReference<>();
        Progress.Counter c = new Progress.Counter(new Metrics() {
            @Override
            public void scanned(String workspace, long references) {
                seen.set(workspace + ":" + references);
            }
        });
        c.scanned("ws-1", 7);
        c.scanned("ws-1", 3);
        c.key(null, 1);
        c.verdict(null);
        c.verdict(null);

        assertEquals(10, c.scanned());
        assertEquals(1, c.processed());
        assertEquals(2, c.verified());
        assertEquals("ws-1:3", seen.get());
    }
}
