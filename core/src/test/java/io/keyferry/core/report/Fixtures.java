package io.keyferry.core.report;

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

/** Small builders for the report tests. */
final class Fixtures {
    static final String SHA_A = "a".repeat(64);
    static final String SHA_B = "b".repeat(64);

    private Fixtures() {
    }

    static Side side(KeyType type, long size, String sha) {
        return new Side(type, size, sha, -1);
    }

    static KeyResult result(String run, RedisKey key, RedisKey target, Side source, Side dst, Status status,
                            SkipReason reason, long atMs) {
        return new KeyResult(run, "alice", Mode.EXECUTE, null, key, target, source, dst, atMs - 1, status, reason,
                status == Status.ERROR ? "boom" : null, atMs, "keyferry.keys/0@1");
    }

    static KeyResult copied(String run, String key, long atMs) {
        return result(run, RedisKey.of(key), RedisKey.of("new:" + key), side(KeyType.HASH, 10, SHA_A),
                side(KeyType.HASH, 10, SHA_A), Status.COPIED, null, atMs);
    }

    static AuditRecord audit(KeyResult r, Verdict verdict, MismatchKind kind, long atMs) {
        return new AuditRecord(r, verdict, kind, null, atMs, "keyferry.results/0@5");
    }

    static AuditRecord match(KeyResult r) {
        return audit(r, Verdict.MATCH, null, r.atMs() + 1);
    }

    static AuditRecord notApplicable(KeyResult r) {
        return audit(r, Verdict.NOT_APPLICABLE, null, r.atMs() + 1);
    }
}
