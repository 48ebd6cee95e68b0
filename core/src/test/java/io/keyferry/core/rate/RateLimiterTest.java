package io.keyferry.core.rate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimiterTest {
    @Test
    void permitsBeyondTheSmallBurstAreSpacedAtTheRate() {
        RateLimiter r = new RateLimiter(200);
        long t0 = System.nanoTime();
        for (int i = 0; i < 60; i++) {
            r.acquire();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // at most 100 ms of burst (20 permits) may come early; the other 40 need 5 ms each
        assertTrue(ms >= 190, "60 permits at 200/s took only " + ms + " ms");
    }

    @Test
    void aChangedRateTakesEffectAndZeroMeansUnlimited() {
        RateLimiter r = new RateLimiter(1);
        r.setPerSecond(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            r.acquire();
        }
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "an unlimited limiter never sleeps");
        r.setPerSecond(100);
        t0 = System.nanoTime();
        for (int i = 0; i < 31; i++) {
            r.acquire();
        }
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 190, "the new rate holds");
    }
}
