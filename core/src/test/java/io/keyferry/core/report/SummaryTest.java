package io.keyferry.core.report;

import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {

    private static Summary summary(Map<Status, Long> statuses, Map<Verdict, Long> verdicts) {
        return new Summary("run-1", statuses.values().stream().mapToLong(Long::longValue).sum(),
                new EnumMap<>(statuses.isEmpty() ? Map.of(Status.COPIED, 0L) : statuses), new EnumMap<>(SkipReason.class),
                verdicts.isEmpty() ? new EnumMap<>(Verdict.class) : new EnumMap<>(verdicts), 2000);
    }

    @Test
    void anErrorFailsTheRun() {
        assertTrue(summary(Map.of(Status.COPIED, 5L, Status.ERROR, 1L), Map.of(Verdict.MATCH, 5L)).failed());
    }

    @Test
    void aCopyMismatchFailsTheRun() {
        assertTrue(summary(Map.of(Status.COPY_MISMATCH, 1L), Map.of()).failed());
    }

    @Test
    void aMismatchVerdictFailsTheRun() {
        assertTrue(summary(Map.of(Status.COPIED, 3L), Map.of(Verdict.MATCH, 2L, Verdict.MISMATCH, 1L)).failed());
    }

    @Test
    void everythingElseDoesNotFailTheRun() {
        Map<Status, Long> statuses = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            if (s != Status.ERROR && s != Status.COPY_MISMATCH) {
                statuses.put(s, 2L);
            }
        }
        Map<Verdict, Long> verdicts = Map.of(Verdict.MATCH, 3L, Verdict.NOT_APPLICABLE, 9L, Verdict.SOURCE_CHANGED, 4L);
        assertFalse(summary(statuses, verdicts).failed());
        assertFalse(summary(Map.of(), Map.of()).failed());
    }

    @Test
    void lineCarriesEveryCountAsNameValue() {
        Map<Status, Long> statuses = Map.of(Status.COPIED, 7L, Status.ALREADY_MATCH, 2L, Status.SKIPPED, 3L, Status.ERROR, 1L);
        Map<SkipReason, Long> reasons = new EnumMap<>(Map.of(SkipReason.NO_RULE, 2L, SkipReason.INVALID, 1L));
        Summary s = new Summary("run-1", 13, new EnumMap<>(statuses), reasons,
                new EnumMap<>(Map.of(Verdict.MATCH, 9L, Verdict.MISMATCH, 1L)), 2000);
        String line = s.line();
        assertFalse(line.contains("\n"));
        assertTrue(line.startsWith("summary run=run-1 scanned=13"), line);
        for (String pair : new String[] {"copied=7", "already_match=2", "would_copy=0", "conflict_skipped=0",
                "skipped=3", "skipped_no_rule=2", "skipped_invalid=1", "skipped_too_large=0", "errors=1", "mismatches=1",
                "verdict_match=9", "verdict_mismatch=1", "duration_s=2.000", "keys_per_s=6.5"}) {
            assertTrue((" " + line + " ").contains(" " + pair + " "), pair + " missing in " + line);
        }
    }

    @Test
    void renderEndsWithTheMachineLine() {
        Summary s = new Summary("r", 4, new EnumMap<>(Map.of(Status.WOULD_COPY, 4L)), new EnumMap<>(SkipReason.class),
                new EnumMap<>(Map.of(Verdict.NOT_APPLICABLE, 4L)), 0);
        String rendered = s.render();
        assertTrue(rendered.strip().endsWith(s.line()), rendered);
        assertTrue(rendered.contains("would_copy 4"), rendered);
    }

    @Test
    void keysPerSecondUsesTheDuration() {
        Summary s = new Summary("r", 500, new EnumMap<>(Status.class), new EnumMap<>(SkipReason.class),
                new EnumMap<>(Verdict.class), 250);
        assertEquals(2000.0, s.keysPerSecond(), 1e-9);
    }
}
