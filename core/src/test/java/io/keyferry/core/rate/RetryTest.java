package io.keyferry.core.rate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryTest {
    private static final class Passing extends RuntimeException {
        Passing(String m) {
            super(m);
        }
    }

    @Test
    void passingFailuresAreTriedAgainUntilTheActionWorksAndEachRetryIsTold() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        List<String> told = new ArrayList<>();
        String v = Retry.upTo(5).waiting(1, 4).call(() -> {
            if (tries.incrementAndGet() < 3) {
                throw new Passing("down " + tries.get());
            }
            return "up";
        }, (attempt, e, ms) -> told.add(attempt + ":" + e.getMessage() + ":" + (ms >= 0 && ms <= 4)));
        assertEquals("up", v);
        assertEquals(List.of("1:down 1:true", "2:down 2:true"), told);
    }

    @Test
    void theLastFailureIsThrownOnceTheTriesAreSpentAndAFailureThatDoesNotPassAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        Passing last = assertThrows(Passing.class, () -> Retry.upTo(3).waiting(1, 2).call(() -> {
            throw new Passing("try " + tries.incrementAndGet());
        }, (a, e, ms) -> { }));
        assertEquals("try 3", last.getMessage());

        AtomicInteger once = new AtomicInteger();
        IllegalStateException other = new IllegalStateException("not passing");
        assertSame(other, assertThrows(IllegalStateException.class, () -> Retry.forever().onlyIf(e -> e instanceof Passing)
                .call(() -> {
                    once.incrementAndGet();
                    throw other;
                }, (a, e, ms) -> { })));
        assertEquals(1, once.get());
    }

    @Test
    void aRetryToldToStopStopsAfterTheFailureInsteadOfWaiting() {
        AtomicInteger tries = new AtomicInteger();
        Retry.Stopped stopped = assertThrows(Retry.Stopped.class, () -> Retry.forever().waiting(1, 2)
                .until(() -> tries.get() >= 2).call(() -> {
                    tries.incrementAndGet();
                    throw new Passing("down");
                }, (a, e, ms) -> { }));
        assertEquals(2, tries.get());
        assertTrue(stopped.getCause() instanceof Passing);
    }
}
