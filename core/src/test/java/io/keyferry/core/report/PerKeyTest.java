package io.keyferry.core.report;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PerKeyTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theLatestValueOfEachKeyComesOutOnceInKeyOrderAcrossSpilledRuns() {
        Random random = new Random(7);
        TreeMap<String, long[]> expected = new TreeMap<>();
        try (PerKey perKey = new PerKey(PerKey.Keep.LAST, 37, Long.MAX_VALUE)) {
            for (int i = 0; i < 2_000; i++) {
                String key = "job:" + random.nextInt(300);
                long at = random.nextInt(50);
                perKey.add(b(key), at, b(Integer.toString(i)));
                long[] seen = expected.get(key);
                if (seen == null || at >= seen[0]) {
                    expected.put(key, new long[] {at, i});
                }
            }
            for (int pass = 0; pass < 2; pass++) {
                Iterator<PerKey.Entry> it = perKey.entries();
                for (var e : expected.entrySet()) {
                    PerKey.Entry got = it.next();
                    assertEquals(e.getKey(), new String(got.key(), StandardCharsets.UTF_8));
                    assertEquals(e.getValue()[0], got.atMs());
                    assertEquals(Long.toString(e.getValue()[1]), new String(got.value(), StandardCharsets.UTF_8),
                            "on a tie in time the value added last wins");
                }
                assertFalse(it.hasNext(), "pass " + pass);
            }
        }
    }

    @Test
    void firstKeepsTheEarliestValueAndATieGoesToTheOneAddedFirst() {
        try (PerKey perKey = new PerKey(PerKey.Keep.FIRST, 2, Long.MAX_VALUE)) {
            perKey.add(b("k"), 5, b("later"));
            perKey.add(b("k"), 3, b("earliest"));
            perKey.add(b("k"), 3, b("tie"));
            perKey.add(b("j"), 9, b("only"));
            List<String> got = new ArrayList<>();
            perKey.entries().forEachRemaining(e -> got.add(new String(e.key(), StandardCharsets.UTF_8) + "="
                    + new String(e.value(), StandardCharsets.UTF_8)));
            assertEquals(List.of("j=only", "k=earliest"), got);
        }
    }

    @Test
    void keysAreOrderedAsUnsignedBytesAndLargeValuesSpillByTheirSize() {
        try (PerKey perKey = new PerKey(PerKey.Keep.LAST, Integer.MAX_VALUE, 1_000)) {
            perKey.add(new byte[] {(byte) 0xff}, 1, new byte[600]);
            perKey.add(new byte[] {0x01}, 1, new byte[600]);
            perKey.add(new byte[] {(byte) 0x80, 0}, 1, new byte[600]);
            Iterator<PerKey.Entry> it = perKey.entries();
            assertArrayEquals(new byte[] {0x01}, it.next().key());
            assertArrayEquals(new byte[] {(byte) 0x80, 0}, it.next().key());
            PerKey.Entry last = it.next();
            assertArrayEquals(new byte[] {(byte) 0xff}, last.key());
            assertEquals(600, last.value().length, "a value read back from its spill file is whole");
            assertFalse(it.hasNext());
        }
    }
}
