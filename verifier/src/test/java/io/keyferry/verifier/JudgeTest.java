package io.keyferry.verifier;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JudgeTest {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final long T0 = 1_700_000_000_000L;
    private static final long TOLERANCE = 1000;
    private static final String OFFSET = "keyferry.results/1@42";

    private final Judge judge = new Judge(TOLERANCE);

    private static Side hash(String sha, long ttl) {
        return new Side(KeyType.HASH, 10, sha, ttl);
    }

    private static KeyResult result(Mode mode, Status status, Side source, Side target) {
        return new KeyResult("run-1", mode == Mode.EXECUTE ? "alice" : null, mode, null, RedisKey.of("job:1"),
                RedisKey.of("step:1"), source, target, T0, status, status == Status.SKIPPED ? SkipReason.NO_RULE : null,
                status == Status.ERROR ? "failed after retries" : null, T0 + 5, "keyferry.keys/0@1");
    }

    private static KeyResult copied(Side source) {
        return result(Mode.EXECUTE, Status.COPIED, source, source);
    }

    private AuditRecord judge(KeyResult r, Side sourceNow, Side targetNow, long nowMs) {
        return judge.judge(r, sourceNow, targetNow, nowMs, OFFSET);
    }

    private static void assertMismatch(MismatchKind kind, AuditRecord a) {
        assertEquals(Verdict.MISMATCH, a.verdict(), a.detail());
        assertEquals(kind, a.kind(), a.detail());
    }

    @Test
    void dryRunResultsAreNotApplicable() {
        Side src = hash(SHA_A, -1);
        for (Status s : new Status[] {Status.WOULD_COPY, Status.ALREADY_MATCH, Status.CONFLICT_SKIPPED, Status.SKIPPED,
                Status.SOURCE_MISSING, Status.ERROR}) {
            KeyResult r = result(Mode.DRY_RUN, s, src, Side.ABSENT);
            AuditRecord a = judge(r, src, hash(SHA_B, -1), T0 + 10);
            assertEquals(Verdict.NOT_APPLICABLE, a.verdict(), s.wire());
            assertNull(a.kind());
            assertFalse(Judge.needsLook(r), s.wire());
        }
    }

    @Test
    void executeResultsThatWroteNothingAreNotApplicable() {
        Side src = hash(SHA_A, -1);
        for (Status s : new Status[] {Status.SKIPPED, Status.CONFLICT_SKIPPED, Status.SOURCE_MISSING, Status.ERROR}) {
            KeyResult r = result(Mode.EXECUTE, s, src, hash(SHA_B, -1));
            // even with a target that looks wrong: nothing was written, so nothing is verified
            AuditRecord a = judge(r, src, Side.ABSENT, T0 + 10);
            assertEquals(Verdict.NOT_APPLICABLE, a.verdict(), s.wire());
            assertFalse(Judge.needsLook(r), s.wire());
        }
    }

    @Test
    void copiedAndAlreadyMatchInExecuteNeedALook() {
        assertTrue(Judge.needsLook(result(Mode.EXECUTE, Status.COPIED, hash(SHA_A, -1), hash(SHA_A, -1))));
        assertTrue(Judge.needsLook(result(Mode.EXECUTE, Status.ALREADY_MATCH, hash(SHA_A, -1), hash(SHA_A, -1))));
    }

    @Test
    void copyMismatchIsAValueMismatch() {
        KeyResult r = result(Mode.EXECUTE, Status.COPY_MISMATCH, hash(SHA_A, -1), hash(SHA_B, -1));
        AuditRecord a = judge(r, hash(SHA_A, -1), hash(SHA_A, -1), T0 + 10);
        assertMismatch(MismatchKind.VALUE, a);
    }

    @Test
    void copiedWithAnEqualTargetIsAMatch() {
        Side src = hash(SHA_A, -1);
        AuditRecord a = judge(copied(src), src, src, T0 + 10);
        assertEquals(Verdict.MATCH, a.verdict());
        assertNull(a.kind());
    }

    @Test
    void verdictKeepsTheResultTheTimeAndTheOffset() {
        Side src = hash(SHA_A, -1);
        KeyResult r = copied(src);
        AuditRecord a = judge(r, src, src, T0 + 10);
        assertSame(r, a.result());
        assertEquals(T0 + 10, a.atMs());
        assertEquals(OFFSET, a.resultOffset());
    }

    @Test
    void missingTargetIsAMissingMismatch() {
        Side src = hash(SHA_A, -1);
        assertMismatch(MismatchKind.MISSING, judge(copied(src), src, Side.ABSENT, T0 + 10));
    }

    @Test
    void targetOfAnotherTypeIsATypeMismatch() {
        Side src = hash(SHA_A, -1);
        Side target = new Side(KeyType.STRING, 10, SHA_A, -1);
        assertMismatch(MismatchKind.TYPE, judge(copied(src), src, target, T0 + 10));
    }

    @Test
    void targetWithAnotherHashIsAValueMismatch() {
        Side src = hash(SHA_A, -1);
        assertMismatch(MismatchKind.VALUE, judge(copied(src), src, hash(SHA_B, -1), T0 + 10));
    }

    @Test
    void sourceChangedSinceTheCopyIsSourceChanged() {
        Side src = hash(SHA_A, -1);
        AuditRecord a = judge(copied(src), hash(SHA_B, -1), src, T0 + 10);
        assertEquals(Verdict.SOURCE_CHANGED, a.verdict());
        assertNull(a.kind());
    }

    @Test
    void sourceChangedWinsOverATargetThatNoLongerMatches() {
        Side src = hash(SHA_A, -1);
        AuditRecord a = judge(copied(src), hash(SHA_B, -1), hash(SHA_B, -1), T0 + 10);
        assertEquals(Verdict.SOURCE_CHANGED, a.verdict());
    }

    @Test
    void sourceDeletedSinceTheCopyIsSourceChanged() {
        Side src = hash(SHA_A, -1);
        assertEquals(Verdict.SOURCE_CHANGED, judge(copied(src), Side.ABSENT, src, T0 + 10).verdict());
    }

    @Test
    void sourceChangingTypeIsSourceChanged() {
        Side src = hash(SHA_A, -1);
        assertEquals(Verdict.SOURCE_CHANGED, judge(copied(src), new Side(KeyType.SET, 10, SHA_A, -1), src, T0 + 10).verdict());
    }

    @Test
    void persistentSourceButExpiringTargetIsATtlMismatch() {
        Side src = hash(SHA_A, -1);
        assertMismatch(MismatchKind.TTL, judge(copied(src), src, hash(SHA_A, 60_000), T0 + 10));
    }

    @Test
    void expiringSourceButPersistentTargetIsATtlMismatch() {
        Side src = hash(SHA_A, 10_000);
        assertMismatch(MismatchKind.TTL, judge(copied(src), src, hash(SHA_A, -1), T0 + 10));
    }

    @Test
    void targetTtlIsComparedWithTheSourceTtlAgedSinceItWasRead() {
        Side src = hash(SHA_A, 10_000);
        KeyResult r = copied(src);
        long now = T0 + 2000; // 8000 ms of the source's TTL are left
        assertEquals(Verdict.MATCH, judge(r, src, hash(SHA_A, 8000), now).verdict());
        assertEquals(Verdict.MATCH, judge(r, src, hash(SHA_A, 7000), now).verdict());
        assertEquals(Verdict.MATCH, judge(r, src, hash(SHA_A, 9000), now).verdict());
        assertMismatch(MismatchKind.TTL, judge(r, src, hash(SHA_A, 3000), now));
        assertMismatch(MismatchKind.TTL, judge(r, src, hash(SHA_A, 6999), now));
        assertMismatch(MismatchKind.TTL, judge(r, src, hash(SHA_A, 10_000), now));
    }

    @Test
    void alreadyMatchDoesNotCheckTtl() {
        Side src = hash(SHA_A, -1);
        KeyResult r = result(Mode.EXECUTE, Status.ALREADY_MATCH, src, hash(SHA_A, 5000));
        assertEquals(Verdict.MATCH, judge(r, src, hash(SHA_A, 5000), T0 + 10).verdict());
        Side expiring = hash(SHA_A, 10_000);
        KeyResult r2 = result(Mode.EXECUTE, Status.ALREADY_MATCH, expiring, hash(SHA_A, -1));
        assertEquals(Verdict.MATCH, judge(r2, expiring, hash(SHA_A, -1), T0 + 10).verdict());
    }

    @Test
    void alreadyMatchStillChecksContent() {
        Side src = hash(SHA_A, -1);
        KeyResult r = result(Mode.EXECUTE, Status.ALREADY_MATCH, src, src);
        assertMismatch(MismatchKind.VALUE, judge(r, src, hash(SHA_B, -1), T0 + 10));
        assertMismatch(MismatchKind.MISSING, judge(r, src, Side.ABSENT, T0 + 10));
    }

    @Test
    void keyThatExpiredOnBothSidesAsItsTtlSaidIsAMatch() {
        Side src = hash(SHA_A, 1500);
        AuditRecord a = judge(copied(src), Side.ABSENT, Side.ABSENT, T0 + 2000);
        assertEquals(Verdict.MATCH, a.verdict());
    }

    @Test
    void keyGoneOnBothSidesLongBeforeItsTtlIsNotAMatch() {
        Side src = hash(SHA_A, 600_000);
        AuditRecord a = judge(copied(src), Side.ABSENT, Side.ABSENT, T0 + 2000);
        assertEquals(Verdict.SOURCE_CHANGED, a.verdict());
    }

    @Test
    void anUpdatedKeyIsJudgedAsACopyTtlIncluded() {
        Side src = hash(SHA_A, -1);
        KeyResult r = result(Mode.EXECUTE, Status.UPDATED, src, src);
        assertTrue(Judge.needsLook(r));
        assertEquals(Verdict.MATCH, judge(r, src, src, T0 + 10).verdict());
        assertMismatch(MismatchKind.VALUE, judge(r, src, hash(SHA_B, -1), T0 + 10));
        assertMismatch(MismatchKind.TTL, judge(r, src, hash(SHA_A, 60_000), T0 + 10));
        assertEquals(Verdict.SOURCE_CHANGED, judge(r, hash(SHA_B, -1), src, T0 + 10).verdict());
    }

    @Test
    void aDeletedKeyMatchesOnlyWhenBothSidesAreGone() {
        KeyResult r = result(Mode.EXECUTE, Status.DELETED, Side.ABSENT, Side.ABSENT);
        assertTrue(Judge.needsLook(r));
        assertEquals(Verdict.MATCH, judge(r, Side.ABSENT, Side.ABSENT, T0 + 10).verdict());
        assertMismatch(MismatchKind.VALUE, judge(r, Side.ABSENT, hash(SHA_A, -1), T0 + 10));
        assertEquals(Verdict.SOURCE_CHANGED, judge(r, hash(SHA_A, -1), Side.ABSENT, T0 + 10).verdict());
    }

    @Test
    void dryRunFollowPredictionsAreNotApplicable() {
        for (Status s : new Status[] {Status.WOULD_UPDATE, Status.WOULD_DELETE}) {
            KeyResult r = result(Mode.DRY_RUN, s, hash(SHA_A, -1), hash(SHA_B, -1));
            assertEquals(Verdict.NOT_APPLICABLE, judge(r, hash(SHA_A, -1), hash(SHA_B, -1), T0 + 10).verdict(), s.wire());
        }
    }

    @Test
    void aKeyExpiredOnTheSourceAndAboutToOnTheTargetIsAMatch() {
        Side src = hash(SHA_A, 1500);
        assertEquals(Verdict.MATCH, judge(copied(src), Side.ABSENT, hash(SHA_A, 300), T0 + 1400).verdict());
        // a target that would stay well after its source expired is not one
        assertEquals(Verdict.SOURCE_CHANGED, judge(copied(src), Side.ABSENT, hash(SHA_A, 60_000), T0 + 1400).verdict());
    }
}
