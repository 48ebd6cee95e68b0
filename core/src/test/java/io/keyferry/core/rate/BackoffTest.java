package io.keyferry.core.rate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BackoffTest {
    @Test
    void eachWaitIsTwiceTheOneBeforeUpToTheCeiling() throws InterruptedException {
        Backoff b = new Backoff(1, 5);
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waits.add(b.nextMs());
            b.pause();
        }
        assertEquals(List.of(1L, 2L, 4L, 5L, 5L), waits);
    }

    @Test
    void theDefaultStartsAt200MsAndStopsGrowingAt5s() {
        Backoff b = new Backoff();
        assertEquals(200, b.nextMs());
    }

    @Test
    void aCeilingBelowTheFirstWaitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 5));
    }
}
