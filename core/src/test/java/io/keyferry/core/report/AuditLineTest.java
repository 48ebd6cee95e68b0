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

import static io.keyferry.core.report.Fixtures.SHA_A;
import static io.keyferry.core.report.Fixtures.SHA_B;
import static io.keyferry.core.report.Fixtures.result;
import static io.keyferry.core.report.Fixtures.side;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditLineTest {

    @Test
    void mismatchLineShowsVerdictKindStatusKeysTypeSidesAndActor() {
        KeyResult r = result("run-1", RedisKey.of("job:1"), RedisKey.of("step:1"), side(KeyType.HASH, 10, SHA_A),
                side(KeyType.HASH, 12, SHA_B), Status.COPIED, null, 1000);
        AuditRecord a = new AuditRecord(r, Verdict.MISMATCH, MismatchKind.VALUE, "content hashes differ", 0, null);
        assertEquals("1970-01-01T00:00:00Z mismatch(value) copied job:1 -> step:1 hash src=10B/aaaaaaaa dst=12B/bbbbbbbb"
                + " actor=alice (content hashes differ)", AuditLine.format(a));
    }

    @Test
    void skippedLineShowsTheReasonAndAbsentSides() {
        KeyResult r = result("run-1", RedisKey.of("x"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.NO_RULE, 1000);
        String line = AuditLine.format(new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, 0, null));
        assertTrue(line.contains(" not_applicable skipped(no_rule) x src=- dst=-"), line);
        assertFalse(line.contains("->"), line);
    }

    @Test
    void keysWithSpacesQuotesOrLineBreaksStayOnOneQuotedLine() {
        KeyResult r = result("run-1", RedisKey.of("a b\"c\nd"), RedisKey.of("plain"), side(KeyType.STRING, 1, SHA_A),
                Side.ABSENT, Status.WOULD_COPY, null, 1000);
        String line = AuditLine.format(new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, 0, null));
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains(" \"a b\\\"c\\nd\" -> plain "), line);
    }

    @Test
    void errorLineShowsTheMessage() {
        KeyResult r = result("run-1", RedisKey.of("k"), RedisKey.of("k"), side(KeyType.STRING, 1, SHA_A),
                Side.ABSENT, Status.ERROR, null, 1000);
        String line = AuditLine.format(new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, 0, null));
        assertTrue(line.endsWith(" error: boom"), line);
    }

    @Test
    void binaryKeysAreShownEscaped() {
        KeyResult r = result("run-1", RedisKey.of(new byte[] {(byte) 0xff, 'k'}), null, side(KeyType.STRING, 1, SHA_A),
                Side.ABSENT, Status.SOURCE_MISSING, null, 1000);
        String line = AuditLine.format(new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, 0, null));
        assertTrue(line.contains(" source_missing \\xffk string "), line);
    }
}
