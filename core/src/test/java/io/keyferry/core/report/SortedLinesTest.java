package io.keyferry.core.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SortedLinesTest {
    @Test
    void linesComeOutInTimeOrderAcrossSpillsAndLinesOfOneTimeKeepTheirOrder() {
        Random random = new Random(7);
        List<long[]> added = new ArrayList<>();
        List<String> out = new ArrayList<>();
        try (SortedLines lines = new SortedLines(10)) {
            for (int i = 0; i < 95; i++) {
                long time = random.nextInt(20);
                added.add(new long[] {time, i});
                lines.add(time, time + "/" + i);
            }
            lines.drain(out::add);
        }
        added.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        List<String> expected = added.stream().map(a -> a[0] + "/" + a[1]).toList();
        assertEquals(expected, out);
    }
}
