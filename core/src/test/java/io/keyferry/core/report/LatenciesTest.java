package io.keyferry.core.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatenciesTest {

    @Test
    void percentilesAreTheSmallestLatencyThatSoManyDoNotExceed() {
        Latencies l = new Latencies();
        for (int ms = 1; ms <= 100; ms++) {
            l.record(ms);
        }
        assertEquals(100, l.count());
        assertEquals(50, l.percentile(0.5));
        assertEquals(99, l.percentile(0.99));
        assertEquals(100, l.percentile(1.0));
        assertEquals(1, l.percentile(0.0));
    }

    @Test
    void noLatenciesHaveNoPercentileAndANegativeOneCountsAsZero() {
        Latencies l = new Latencies();
        assertEquals(-1, l.percentile(0.5));
        l.record(-5);
        assertEquals(0, l.percentile(0.5));
    }

    @Test
    void latenciesOverAMinuteCountAndReadAsTheLongestSeen() {
        Latencies l = new Latencies();
        for (int i = 0; i < 98; i++) {
            l.record(10);
        }
        l.record(Latencies.EXACT_MS + 5);
        l.record(3_600_000);
        assertEquals(10, l.percentile(0.5));
        assertEquals(10, l.percentile(0.98));
        assertEquals(3_600_000, l.percentile(0.99));
    }
}
