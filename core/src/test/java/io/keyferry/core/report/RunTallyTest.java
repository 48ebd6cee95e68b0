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

    /** Two verdicts of k (the later a match), j, a binary key skipped, m's mismatch, and another run's. */
    private static List<AuditRecord> trail() {
        return List.of(
                audit(copied("run-1", "k", 100), Verdict.MISMATCH, MismatchKind.VALUE, 150),
                match(copied("run-1", "k", 200)),
                match(copied("run-1", "j", 120)),
                notApplicable(result("run-1", RedisKey.of(new byte[] {(byte) 0xff, 0}), null, Side.ABSENT, Side.ABSENT,
                        Status.SKIPPED, SkipReason.NO_RULE, 90)),
                audit(copied("run-1", "m", 300), Verdict.MISMATCH, MismatchKind.MISSING, 400),
                match(copied("run-2", "other", 100)));
    }

    @Test
    void aCountsOnlyTallyFedTheTrailsBytesCountsAsOneFedTheRecords() throws Exception {
        RunTally records = new RunTally("run-1");
        RunTally counts = RunTally.countsOnly("run-1");
        for (AuditRecord a : trail()) {
            records.add(a);
            counts.add(io.keyferry.core.json.Json.encode(a));
        }
        assertEquals(4, counts.keys());
        assertEquals(records.summary(), counts.summary());
        assertEquals(1L, counts.summary().skipped().get(SkipReason.NO_RULE));
        assertEquals(1, counts.summary().mismatches(), "k's later match replaces its mismatch; m's stays");
        assertEquals(2, counts.summary().count(Verdict.MATCH));
        assertThrows(io.keyferry.core.json.BadRecordException.class,
                () -> counts.add(io.keyferry.core.json.Json.encode(copied("run-1", "r", 1))));
        assertThrows(IllegalStateException.class, counts::records);
    }

    @Test
    void aCountsOnlyTallyFedHeadersCountsAsOneFedTheRecordsAndFallsBackToTheJsonForWhatItCannotRead() throws Exception {
        List<AuditRecord> trail = trail();
        RunTally records = new RunTally("run-1");
        RunTally counts = RunTally.countsOnly("run-1");
        for (int i = 0; i < trail.size(); i++) {
            AuditRecord a = trail.get(i);
            records.add(a);
            byte[] header = CountsHeader.of(a);
            if (i == 2) {
                header[0] = 2; // a format this version does not read: its JSON is read instead
            }
            if (!counts.addCounted(a.result().key().bytes(), header)) {
                assertEquals(2, i, "only the unreadable header is refused");
                counts.add(io.keyferry.core.json.Json.encode(a));
            }
        }
        assertEquals(4, counts.keys());
        assertEquals(records.summary(), counts.summary());
        assertEquals(1, counts.summary().mismatches(), "k's later match replaces its mismatch; m's stays");
        assertFalse(records.addCounted("k".getBytes(), CountsHeader.of(trail.get(0))), "a tally of records needs the JSON");
    }

    @Test
    void aCountsOnlyTallyThatSpillsCountsEachKeysLatestVerdictAsATallyOfRecordsDoes() throws Exception {
        try (RunTally records = new RunTally("run-1", 11); RunTally counts = new RunTally("run-1", 7, false)) {
            java.util.Random random = new java.util.Random(3);
            for (int i = 0; i < 400; i++) {
                // 60 keys, some binary, passes in no order: each key's latest verdict decides
                byte[] key = random.nextInt(4) == 0 ? new byte[] {(byte) 0xff, (byte) random.nextInt(60)}
                        : ("k" + random.nextInt(45)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                KeyResult r = result("run-1", RedisKey.of(key), RedisKey.of("t"), side(KeyType.HASH, 10, SHA_A),
                        side(KeyType.HASH, 10, SHA_A), Status.COPIED, null, 100 + random.nextInt(50));
                AuditRecord a = random.nextBoolean() ? match(r) : audit(r, Verdict.MISMATCH, MismatchKind.VALUE, r.atMs() + 1);
                records.add(a);
                assertTrue(counts.addCounted(key, CountsHeader.of(a)));
            }
            assertEquals(records.summary(), counts.summary());
            assertTrue(counts.summary().mismatches() > 0 && counts.summary().count(Verdict.MATCH) > 0);
            // Fixtures read the source 1 ms before the result; a match is verified 1 ms after it, a mismatch here too
            assertEquals(400, counts.latencies().count());
            assertEquals(2, counts.latencies().percentile(0.5));
            assertEquals(records.latencies().percentile(0.99), counts.latencies().percentile(0.99));
        }
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
