package io.keyferry.core.model;

import java.util.Objects;

/**
 * What rollback did to one key of a run, on the audit topic beside the run's verdicts.
 *
 * @param action {@code delete}, {@code restore}, {@code left_alone} (changed since the run) or {@code gone}
 * @param done   whether the target was changed (a compare-and-act can find it changed meanwhile)
 */
public record RollbackRecord(String run, String actor, RedisKey targetKey, String action, boolean done, long atMs) {
    public RollbackRecord {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(targetKey, "targetKey");
        Objects.requireNonNull(action, "action");
    }
}
