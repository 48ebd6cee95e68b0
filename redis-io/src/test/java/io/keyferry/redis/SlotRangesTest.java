package io.keyferry.redis;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotRangesTest {
    @Test
    void slotsWrittenForACheckpointReadBackTheSame() {
        BitSet slots = new BitSet();
        slots.set(0, 5461);
        slots.set(5500);
        slots.set(16000, 16384);
        String text = SlotRanges.of(slots);
        assertEquals("0-5460,5500,16000-16383", text);
        assertEquals(slots, SlotRanges.parse(text));
    }

    @Test
    void noSlotsIsAnEmptyTextAndBack() {
        assertEquals("", SlotRanges.of(new BitSet()));
        assertTrue(SlotRanges.parse("").isEmpty());
        assertTrue(SlotRanges.parse(null).isEmpty());
    }
}
