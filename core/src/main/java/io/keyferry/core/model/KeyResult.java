package io.keyferry.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * The migrator's one result for one key in one pass, on {@code <prefix>.results}.
 *
 * @param source     the source as read (before any write)
 * @param target     the target as it ends up: read back after a write, or as found
 * @param readAtMs   when the source was read, so the verifier can age the source TTL
 * @param reason     set only for {@link Status#SKIPPED}
 * @param message    what an {@link Status#ERROR} failed on, or for a {@link SkipReason#INVALID} skip which
 *                   name failed; never holds a value or a password
 * @param keyOffset  offset of the key reference this result answers (partition:offset), for the audit trail
 * @param workspace  the key's own workspace: its {workspace_id}, captured or derived; null where none names it
 * @param names      the key's names, captured by its --rename rule and derived by --derive, as text (a
 *                   per-subject status groups by them); empty for a key no rule matched
 */
public record KeyResult(
        String run,
        String actor,
        Mode mode,
        String workspace,
        RedisKey key,
        RedisKey targetKey,
        Side source,
        Side target,
        long readAtMs,
        Status status,
        SkipReason reason,
        String message,
        long atMs,
        String keyOffset,
        Map<String, String> names) {

    public KeyResult {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(status, "status");
        if ((status == Status.SKIPPED) != (reason != null)) {
            throw new IllegalArgumentException("a reason goes with status skipped and only with it");
        }
        names = names == null ? Map.of() : names;
    }

    /** A result without names. */
    public KeyResult(String run, String actor, Mode mode, String workspace, RedisKey key, RedisKey targetKey, Side source,
                     Side target, long readAtMs, Status status, SkipReason reason, String message, long atMs, String keyOffset) {
        this(run, actor, mode, workspace, key, targetKey, source, target, readAtMs, status, reason, message, atMs, keyOffset,
                Map.of());
    }

    public KeyType type() {
        return source.exists() ? source.type() : target.type();
    }
}
