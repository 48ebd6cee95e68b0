package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.keyferry.core.report.Fixtures.SHA_A;
import static io.keyferry.core.report.Fixtures.audit;
import static io.keyferry.core.report.Fixtures.copied;
import static io.keyferry.core.report.Fixtures.match;
import static io.keyferry.core.report.Fixtures.notApplicable;
import static io.keyferry.core.report.Fixtures.result;
import static io.keyferry.core.report.Fixtures.side;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunTallyTest {

    @Test
    void laterResultOfAKeyReplacesAnEarlierOne() {
        RunTally tally = new RunTally("run-1");
        AuditRecord early = audit(copied("run-1", "k", 100), Verdict.MISMATCH, MismatchKind.VALUE, 150);
        AuditRecord late = match(copied("run-1", "k", 200));
        tally.add(early);
        tally.add(late);
        assertEquals(1, tally.keys());
        assertSame(late, tally.records().iterator().next());
        assertFalse(tally.summary().failed());
    }

    @Test
    void moreRecordsThanMemoryHoldsAreSpilledAndStillGiveTheLatestPerKeyInKeyOrder() {
        try (RunTally tally = new RunTally("run-1", 7)) {
            // three passes over 20 keys, the passes arriving out of order: 60 records, 8 spill files
            for (int pass : new int[] {2, 0, 1}) {
                for (int k = 19; k >= 0; k--) {
                    KeyResult r = copied("run-1", String.format("k%02d", k), 100 + pass);
                    tally.add(pass == 2 ? match(r) : audit(r, Verdict.MISMATCH, MismatchKind.VALUE, 100 + pass));
                }
            }
            List<String> keys = new java.util.ArrayList<>();
            for (AuditRecord a : tally.records()) {
                keys.add(a.result().key().display());
                assertEquals(Verdict.MATCH, a.verdict(), "pass 2 is the latest of " + a.result().key());
            }
            assertEquals(java.util.stream.IntStream.range(0, 20).mapToObj(k -> String.format("k%02d", k)).toList(), keys);
            assertEquals(20, tally.keys());
            assertEquals(0, tally.summary().mismatches());
            assertEquals(20, tally.summary().count(Status.COPIED));
        }
    }

    @Test
    void earlierResultArrivingLastDoesNotReplaceALaterOne() {
        RunTally tally = new RunTally("run-1");
        AuditRecord late = match(copied("run-1", "k", 200));
        AuditRecord early = audit(copied("run-1", "k", 100), Verdict.MISMATCH, MismatchKind.VALUE, 500);
        tally.add(late);
        tally.add(early);
        assertSame(late, tally.records().iterator().next());
        assertEquals(0, tally.summary().mismatches());
    }

    @Test
    void recordsOfOtherRunsAreIgnored() {
        RunTally tally = new RunTally("run-1");
        tally.add(match(copied("run-2", "k", 100)));
        tally.add(audit(copied("run-2", "j", 100), Verdict.MISMATCH, MismatchKind.MISSING, 101));
        assertEquals(0, tally.keys());
        assertFalse(tally.records().iterator().hasNext());
        tally.add(match(copied("run-1", "k", 100)));
        assertEquals(1, tally.keys());
        assertEquals(0, tally.summary().mismatches());
    }

    @Test
    void aCountsOnlyTallyFedTheTrailsBytesCountsAsOneFedTheRecords() throws Exception {
        List<AuditRecord> trail = List.of(
                audit(copied("run-1", "k", 100), Verdict.MISMATCH, MismatchKind.VALUE, 150),
                match(copied("run-1", "k", 200)),
                match(copied("run-1", "j", 120)),
                notApplicable(result("run-1", RedisKey.of("s"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                        SkipReason.NO_RULE, 90)),
                match(copied("run-2", "other", 100)));
        RunTally records = new RunTally("run-1");
        RunTally counts = RunTally.countsOnly("run-1");
        for (AuditRecord a : trail) {
            records.add(a);
            counts.add(io.keyferry.core.json.Json.encode(a));
        }
        assertEquals(3, counts.keys());
        assertEquals(records.summary(), counts.summary());
        assertEquals(1L, counts.summary().skipped().get(SkipReason.NO_RULE));
        assertEquals(0, counts.summary().mismatches(), "k's later match replaces its mismatch");
        assertEquals(2, counts.summary().count(Verdict.MATCH));
        assertThrows(io.keyferry.core.json.BadRecordException.class,
                () -> counts.add(io.keyferry.core.json.Json.encode(copied("run-1", "r", 1))));
        assertThrows(IllegalStateException.class, counts::records);
    }

    @Test
    void keysAreCountedOnceEachWhateverTheDeliveries() {
        RunTally tally = new RunTally("run-1");
        for (int pass = 0; pass < 3; pass++) {
            for (String k : List.of("a", "b", "c")) {
                tally.add(match(copied("run-1", k, 100 + pass)));
            }
        }
        assertEquals(3, tally.keys());
        assertEquals(3, tally.summary().scanned());
        assertEquals(3, tally.summary().count(Status.COPIED));
    }

    @Test
    void binaryKeysAreTalliedByTheirBytes() {
        RunTally tally = new RunTally("run-1");
        RedisKey a = RedisKey.of(new byte[] {(byte) 0xff, 1});
        RedisKey b = RedisKey.of(new byte[] {(byte) 0xff, 2});
        tally.add(notApplicable(result("run-1", a, null, side(KeyType.STRING, 1, SHA_A), Side.ABSENT, Status.WOULD_COPY, null, 5)));
        tally.add(notApplicable(result("run-1", b, null, side(KeyType.STRING, 1, SHA_A), Side.ABSENT, Status.WOULD_COPY, null, 5)));
        tally.add(notApplicable(result("run-1", RedisKey.of(new byte[] {(byte) 0xff, 1}), null, side(KeyType.STRING, 1, SHA_A),
                Side.ABSENT, Status.WOULD_COPY, null, 6)));
        assertEquals(2, tally.keys());
    }

    @Test
    void summaryCountsStatusesReasonsAndVerdicts() {
        RunTally tally = new RunTally("run-1");
        tally.add(match(copied("run-1", "a", 10)));
        tally.add(match(copied("run-1", "b", 20)));
        tally.add(notApplicable(result("run-1", RedisKey.of("c"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.NO_RULE, 30)));
        tally.add(notApplicable(result("run-1", RedisKey.of("d"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.TOO_LARGE, 40)));
        tally.add(notApplicable(result("run-1", RedisKey.of("e"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.NO_RULE, 50)));
        Summary s = tally.summary();
        assertEquals("run-1", s.run());
        assertEquals(5, s.scanned());
        assertEquals(2, s.count(Status.COPIED));
        assertEquals(3, s.count(Status.SKIPPED));
        assertEquals(2L, s.skipped().get(SkipReason.NO_RULE));
        assertEquals(1L, s.skipped().get(SkipReason.TOO_LARGE));
        assertEquals(2, s.count(Verdict.MATCH));
        assertEquals(3, s.count(Verdict.NOT_APPLICABLE));
        assertTrue(s.durationMs() > 0);
    }

    @Test
    void aCountsOnlyTallyGivesTheSameSummaryAsAFullOneThroughSpillsAndRefusesRecords() {
        try (RunTally full = new RunTally("run-1", 7); RunTally counts = new RunTally("run-1", 7, false)) {
            // three passes over 20 keys out of order, each pass with its own mix of outcomes
            for (int pass : new int[] {2, 0, 1}) {
                for (int k = 19; k >= 0; k--) {
                    String key = String.format("k%02d", k);
                    AuditRecord a = switch ((k + pass) % 4) {
                        case 0 -> match(copied("run-1", key, 100 + pass));
                        case 1 -> audit(copied("run-1", key, 100 + pass), Verdict.MISMATCH, MismatchKind.TTL, 100 + pass);
                        case 2 -> notApplicable(result("run-1", RedisKey.of(key), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                                SkipReason.values()[k % SkipReason.values().length], 100 + pass));
                        default -> notApplicable(result("run-1", RedisKey.of(key), null, side(KeyType.STRING, 1, SHA_A),
                                Side.ABSENT, Status.WOULD_COPY, null, 100 + pass));
                    };
                    full.add(a);
                    counts.add(a);
                }
            }
            Summary expected = full.summary();
            Summary got = counts.summary();
            assertEquals(20, got.scanned());
            assertEquals(expected.render(), got.render());
            assertEquals(5, got.count(Verdict.MISMATCH)); // pass 2: (k + 2) % 4 == 1 for 5 keys
            assertThrows(IllegalStateException.class, counts::records);
        }
    }

    @Test
    void emptyTallyHasAnEmptySummary() {
        Summary s = new RunTally("run-1").summary();
        assertEquals(0, s.scanned());
        assertEquals(0, s.durationMs());
        assertFalse(s.failed());
    }
}
