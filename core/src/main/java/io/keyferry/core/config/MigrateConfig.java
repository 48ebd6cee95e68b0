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
 * @param rps           keys per second (0: no limit)
 * @param maxRetries    tries after a transient Redis failure before a key is an error (default 8,
 *                      with backoff from 100 ms doubling to 5 s: about 20 s in all)
 */
public record MigrateConfig(String run, RedisEndpoint source, RedisEndpoint target, Mode mode, String actor,
                            Naming naming, ConflictPolicy onConflict, CopyMode copy, long maxValueBytes,
                            double rps, int maxRetries) {
    public MigrateConfig {
        RunId.check(run);
        if (mode == Mode.EXECUTE && (actor == null || actor.isBlank())) {
            throw new ConfigException("--actor", "is required with --execute (who runs this migration)");
        }
        if (maxValueBytes < 0) {
            throw new ConfigException("--max-value-bytes", "must not be negative");
        }
        if (maxRetries < 0 || maxRetries > 100) {
            throw new ConfigException("--max-retries", "must be between 0 and 100, got " + maxRetries);
        }
        if (rps < 0) {
            throw new ConfigException("--rps", "must not be negative");
        }
    }

    /** Whether the target must offer DUMP: to copy payloads, or to keep byte-exact backups of replaced keys. */
    public boolean targetNeedsDump() {
        return mode == Mode.EXECUTE && (copy == CopyMode.DUMP || onConflict == ConflictPolicy.REPLACE_IF_DIFFERENT);
    }
}
