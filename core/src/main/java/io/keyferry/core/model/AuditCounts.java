package io.keyferry.core.model;

import java.util.Objects;

/**
 * What a run's summary takes of one audit record: whose it is, its key, its times and the three
 * values it counts. Decoded from the record alone ({@code Json.decodeCounts}), for a summary of
 * millions of verdicts read while the run goes on.
 *
 * @param atMs         the result's time (a later pass of a key replaces an earlier one)
 * @param readAtMs     when the source was read (0: unknown)
 * @param verifiedAtMs when the verdict was made
 * @param reason       set only with {@link Status#SKIPPED}
 */
public record AuditCounts(String run, RedisKey key, long atMs, long readAtMs, long verifiedAtMs, Status status,
                          SkipReason reason, Verdict verdict) {
    public AuditCounts {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(verdict, "verdict");
        if ((status == Status.SKIPPED) != (reason != null)) {
            throw new IllegalArgumentException("a reason goes with status skipped and only with it");
        }
    }

    /** The counts of a whole record. */
    public static AuditCounts of(AuditRecord a) {
        KeyResult r = a.result();
        return new AuditCounts(r.run(), r.key(), r.atMs(), r.readAtMs(), a.atMs(), r.status(), r.reason(), a.verdict());
    }
}
