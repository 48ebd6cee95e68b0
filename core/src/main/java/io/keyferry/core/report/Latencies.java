package io.keyferry.core.report;

/**
 * Per-key latencies in whole milliseconds, for percentiles: exact up to a minute, beyond that
 * counted as "over a minute" with the longest kept. Memory does not grow with the count.
 */
public final class Latencies {
    static final int EXACT_MS = 60_000;
    private int[] counts;
    private long over;
    private long max;
    private long total;

    /** One latency; a negative one (clocks apart) counts as 0. */
    public void record(long ms) {
        ms = Math.max(0, ms);
        total++;
        max = Math.max(max, ms);
        if (ms >= EXACT_MS) {
            over++;
            return;
        }
        if (counts == null) {
            counts = new int[EXACT_MS];
        }
        counts[(int) ms]++;
    }

    public long count() {
        return total;
    }

    /**
     * The smallest latency that {@code fraction} of them do not exceed (0.5: the median), in ms;
     * -1 when there are none. Past the exact range it is the longest seen.
     */
    public long percentile(double fraction) {
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        if (counts != null) {
            for (int ms = 0; ms < counts.length; ms++) {
                seen += counts[ms];
                if (seen >= rank) {
                    return ms;
                }
            }
        }
        return max;
    }
}
