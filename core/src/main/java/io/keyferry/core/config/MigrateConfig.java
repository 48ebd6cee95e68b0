package io.keyferry.core.config;

import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.core.model.Mode;
import io.keyferry.core.rules.Naming;

/**
 * How the migrator treats each key.
 *
 * @param naming        --rename, --derive and --require together
 * @param maxValueBytes skip bigger keys as too_large (0: no limit)
 * @param rps           keys per second for the whole run (0: no limit)
 */
public record MigrateConfig(String run, RedisEndpoint source, RedisEndpoint target, Mode mode, String actor,
                            Naming naming, ConflictPolicy onConflict, CopyMode copy, long maxValueBytes,
                            double rps) {
    public MigrateConfig {
        RunId.check(run);
        if (mode == Mode.EXECUTE && (actor == null || actor.isBlank())) {
            throw new ConfigException("--actor", "is required with --execute (who runs this migration)");
        }
        if (onConflict == ConflictPolicy.REPLACE_IF_DIFFERENT) {
            throw new ConfigException("--on-conflict", "replace-if-different is not available in this version yet; use skip");
        }
        if (copy == CopyMode.DUMP) {
            throw new ConfigException("--copy", "dump is not available in this version yet; use struct");
        }
        if (maxValueBytes < 0) {
            throw new ConfigException("--max-value-bytes", "must not be negative");
        }
        if (rps < 0) {
            throw new ConfigException("--rps", "must not be negative");
        }
    }
}
