package io.keyferry.verifier;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

/**
 * Turns one result plus what source and target hold now into a verdict. Pure: the verifier reads
 * Redis, this decides. A mismatch is data; the order of checks makes the most useful one win.
 */
public final class Judge {
    private final long ttlToleranceMs;

    public Judge(long ttlToleranceMs) {
        this.ttlToleranceMs = ttlToleranceMs;
    }

    /** True when the result wrote or claims a target worth reading again. */
    public static boolean needsLook(KeyResult r) {
        return r.mode() == Mode.EXECUTE && (r.status() == Status.COPIED || r.status() == Status.ALREADY_MATCH
                || r.status() == Status.UPDATED || r.status() == Status.DELETED);
    }

    /**
     * @param sourceNow the source as it is now (only consulted for {@link #needsLook} results)
     * @param targetNow the target as it is now
     * @param nowMs     when they were read
     */
    public AuditRecord judge(KeyResult r, Side sourceNow, Side targetNow, long nowMs, String resultOffset) {
        if (r.status() == Status.COPY_MISMATCH) {
            return new AuditRecord(r, Verdict.MISMATCH, MismatchKind.VALUE, "read-back after the write differed", nowMs, resultOffset);
        }
        if (!needsLook(r)) {
            return new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, nowMs, resultOffset);
        }
        if (r.status() == Status.DELETED) {
            // The run deleted its copy because the source key was gone: both sides must be empty.
            if (sourceNow.exists()) {
                return new AuditRecord(r, Verdict.SOURCE_CHANGED, null, "the source key exists again", nowMs, resultOffset);
            }
            if (targetNow.exists()) {
                return mismatch(r, MismatchKind.VALUE, "the target key still exists after its source was deleted", nowMs,
                        resultOffset);
            }
            return new AuditRecord(r, Verdict.MATCH, null, null, nowMs, resultOffset);
        }
        Side copied = r.source();
        long expectedTtl = copied.ttlMs() < 0 ? copied.ttlMs() : copied.ttlMs() - (nowMs - r.readAtMs());
        boolean dueToExpire = copied.ttlMs() > 0 && expectedTtl <= ttlToleranceMs;
        if (!targetNow.exists() && !sourceNow.exists() && dueToExpire) {
            return new AuditRecord(r, Verdict.MATCH, null, "expired on both sides as its TTL said", nowMs, resultOffset);
        }
        if (!sourceNow.exists() && dueToExpire && targetNow.exists() && targetNow.ttlMs() >= 0
                && targetNow.ttlMs() <= ttlToleranceMs && copied.sameContentAs(targetNow)) {
            // the two clocks a few milliseconds apart: the copy expires in a moment, as its source did
            return new AuditRecord(r, Verdict.MATCH, null, "expired on the source, about to on the target, as its TTL said",
                    nowMs, resultOffset);
        }
        if (!copied.sameContentAs(sourceNow)) {
            return new AuditRecord(r, Verdict.SOURCE_CHANGED, null,
                    sourceNow.exists() ? "the source changed after the copy" : "the source was deleted after the copy",
                    nowMs, resultOffset);
        }
        if (!targetNow.exists()) {
            return mismatch(r, MismatchKind.MISSING, "the target key does not exist", nowMs, resultOffset);
        }
        if (targetNow.type() != copied.type()) {
            return mismatch(r, MismatchKind.TYPE, "target is a " + targetNow.type().wire() + ", source a " + copied.type().wire(),
                    nowMs, resultOffset);
        }
        if (!copied.sha256().equals(targetNow.sha256())) {
            return mismatch(r, MismatchKind.VALUE, "content hashes differ", nowMs, resultOffset);
        }
        if (r.status() == Status.COPIED || r.status() == Status.UPDATED) {
            // Only keys we wrote carry our TTL; an already-matching key keeps its owner's.
            if (copied.ttlMs() < 0 && targetNow.ttlMs() >= 0) {
                return mismatch(r, MismatchKind.TTL, "target expires in " + targetNow.ttlMs() + " ms, source never", nowMs, resultOffset);
            }
            if (copied.ttlMs() >= 0) {
                if (targetNow.ttlMs() < 0) {
                    return mismatch(r, MismatchKind.TTL, "target never expires, source does", nowMs, resultOffset);
                }
                if (Math.abs(targetNow.ttlMs() - expectedTtl) > ttlToleranceMs) {
                    return mismatch(r, MismatchKind.TTL, "target TTL " + targetNow.ttlMs() + " ms, expected about "
                            + expectedTtl + " ms", nowMs, resultOffset);
                }
            }
        }
        return new AuditRecord(r, Verdict.MATCH, null, null, nowMs, resultOffset);
    }

    private static AuditRecord mismatch(KeyResult r, MismatchKind kind, String detail, long nowMs, String offset) {
        return new AuditRecord(r, Verdict.MISMATCH, kind, detail, nowMs, offset);
    }
}
