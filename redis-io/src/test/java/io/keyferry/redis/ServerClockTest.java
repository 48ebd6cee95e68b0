package io.keyferry.redis;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerClockTest {
    /** A local clock that reads the queued times in turn, and a server answering TIME from its own. */
    private final Deque<Long> local = new ArrayDeque<>();
    private final AtomicInteger asked = new AtomicInteger();
    private long serverNow;

    private ServerClock clock() {
        return new ServerClock(() -> {
            asked.incrementAndGet();
            return time(serverNow);
        }, local::removeFirst);
    }

    private static List<byte[]> time(long ms) {
        return List.of(Long.toString(ms / 1000).getBytes(StandardCharsets.US_ASCII),
                Long.toString(ms % 1000 * 1000 + 123).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aTtlBecomesTheServersTimeAtWhichItRunsOutWhateverTheTwoClocksSay() {
        serverNow = 5_000_300; // the server's clock is 5,000,000 ms ahead, read half-way through a 2 ms round trip
        local.addAll(List.of(1000L, 299L, 301L));
        assertEquals(1000 + 60_000 + 5_000_000, clock().expiryAt(60_000));
    }

    @Test
    void aPersistentKeyHasNoExpiryAndNeedsNoMeasure() {
        assertEquals(0, clock().expiryAt(-1));
        assertEquals(0, clock().expiryAt(0));
        assertEquals(0, asked.get());
    }

    @Test
    void ofSlowRoundTripsTheFastestCountsAndAFastOneEndsTheTries() {
        // the server is 10,000 ms ahead; the first TIME waited 2,000 ms on a stalled server, which
        // answered at the end of that wait, the second came back in 2 ms
        long[] answers = {12_000, 12_001};
        AtomicInteger n = new AtomicInteger();
        local.addAll(List.of(0L, 0L, 2000L, 2000L, 2002L));
        ServerClock c = new ServerClock(() -> time(answers[n.getAndIncrement()]), local::removeFirst);
        assertEquals(0 + 1000 + 10_000, c.expiryAt(1000), "the stalled answer alone would have said 11,000 ms ahead");
        assertEquals(2, n.get(), "no third try after a fast one");
    }

    @Test
    void theOffsetIsMeasuredAgainAfterAMinuteToFollowAClockStep() {
        ServerClock c = clock();
        serverNow = 1000;
        local.addAll(List.of(0L, 1000L, 1000L));
        assertEquals(10, c.expiryAt(10), "the clocks agree");
        local.addAll(List.of(59_000L));
        assertEquals(59_010, c.expiryAt(10), "no new measure within the minute");
        serverNow = 70_500; // the local clock stepped back 10 s
        local.addAll(List.of(61_000L, 60_500L, 60_500L));
        assertEquals(61_000 + 10 + 10_000, c.expiryAt(10));
        assertEquals(2, asked.get());
    }
}
