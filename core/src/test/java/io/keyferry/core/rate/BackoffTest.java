package io.keyferry.core.rate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    @Test
    void eachWaitIsTwiceTheOneBeforeUpToTheCeiling() {
        Backoff b = new Backoff(100, 500);
        List<Long> ceilings = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ceilings.add(b.nextMs());
            b.take();
        }
        assertEquals(List.of(100L, 200L, 400L, 500L, 500L), ceilings);
    }

    @Test
    void aWaitIsJitteredBetweenHalfOfItsCeilingAndAllOfIt() {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            long w = new Backoff(1_000, 5_000).take();
            assertTrue(w >= 500 && w <= 1_000, "wait " + w);
            seen.add(w);
        }
        assertTrue(seen.size() > 100, "jittered, not one fixed wait: " + seen.size() + " distinct");
    }

    @Test
    void theDefaultStartsAt200MsAndStopsGrowingAt5s() {
        Backoff b = new Backoff();
        assertEquals(200, b.nextMs());
        for (int i = 0; i < 10; i++) {
            b.take();
        }
        assertEquals(5_000, b.nextMs());
    }

    @Test
    void aCeilingBelowTheFirstWaitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 5));
    }
}
