package io.keyferry.producer;

import java.util.BitSet;

/** Cluster slots as text for a checkpoint, e.g. {@code 0-5460,5500}; empty for none. */
final class SlotRanges {
    private SlotRanges() {
    }

    static String of(BitSet slots) {
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

    static BitSet parse(String ranges) {
        BitSet slots = new BitSet(16_384);
        if (ranges == null || ranges.isEmpty()) {
            return slots;
        }
        for (String r : ranges.split(",")) {
            int dash = r.indexOf('-');
            if (dash < 0) {
                slots.set(Integer.parseInt(r));
            } else {
                slots.set(Integer.parseInt(r.substring(0, dash)), Integer.parseInt(r.substring(dash + 1)) + 1);
            }
        }
        return slots;
    }
}
