package io.keyferry.redis;

import java.util.BitSet;

/**
 * Cluster slots as text, e.g. {@code 0-5460,5500}; empty for none: how a scan's checkpoint keeps
 * them, and how CLUSTER NODES lists them (space-separated there).
 */
public final class SlotRanges {
    private SlotRanges() {
    }

    public static String of(BitSet slots) {
        StringBuilder out = new StringBuilder();
        for (int from = slots.nextSetBit(0); from >= 0; ) {
            int to = slots.nextClearBit(from) - 1;
            out.append(out.length() == 0 ? "" : ",").append(from);
            if (to > from) {
                out.append('-').append(to);
            }
            from = slots.nextSetBit(to + 1);
        }
        return out.toString();
    }

    public static BitSet parse(String ranges) {
        BitSet slots = new BitSet(16_384);
        if (ranges == null || ranges.isEmpty()) {
            return slots;
        }
        for (String r : ranges.split(",")) {
            add(slots, r);
        }
        return slots;
    }

    /** Sets the slots of one range, {@code 7} or {@code 9-11}. */
    static void add(BitSet slots, String range) {
        int dash = range.indexOf('-');
        if (dash < 0) {
            slots.set(Integer.parseInt(range));
        } else {
            slots.set(Integer.parseInt(range.substring(0, dash)), Integer.parseInt(range.substring(dash + 1)) + 1);
        }
    }
}
