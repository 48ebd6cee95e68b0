package io.keyferry.migrator;

import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.rules.Naming;
import io.keyferry.core.rules.RenameRules;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.redis.DumpSnapshot;
import io.keyferry.redis.RedisStore;
import io.keyferry.redis.Snapshot;
import io.keyferry.redis.Transient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * The per-key logic over real Redis: rename, read the source, guard, compare with the target,
 * create the target atomically if absent (execute) or say what would happen (dry-run), read back.
 */
public final class StoreKeyMigrator implements KeyMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(StoreKeyMigrator.class);
    private static final long INITIAL_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final int MAX_LOOKS = 3;
    private static final long SLOW_KEY_NANOS = 5_000_000_000L;
    private static final byte[] NOTHING = new byte[0];

    private final MigrateConfig config;
    private final RedisStore source;
    private final RedisStore target;
    private final BackupSink backup;
    private final Metrics metrics;
    private final io.keyferry.core.rate.RateLimiter rate;

    /**
     * @param rate paces the keys this replica migrates; the Streams app sets it to this replica's
     *             share of the run's --rps
     */
    public StoreKeyMigrator(MigrateConfig config, RedisStore source, RedisStore target, BackupSink backup,
                            Metrics metrics, io.keyferry.core.rate.RateLimiter rate) {
        this.metrics = metrics;
        this.backup = backup;
        this.config = config;
        this.source = source;
        this.target = target;
        this.rate = rate;
    }

    @Override
    public KeyResult migrate(KeyRef ref, String keyOffset) {
        rate.acquire();
        long t0 = System.nanoTime();
        KeyResult r = migrateWithRetries(ref, keyOffset);
        long nanos = System.nanoTime() - t0;
        metrics.key(r, nanos);
        if (nanos > SLOW_KEY_NANOS) {
            // Worth an ops engineer's eye: such a key holds its partition's transaction open, and
            // one that takes longer than the transaction timeout is aborted and copied again.
            long ms = nanos / 1_000_000;
            String key = LOG.isDebugEnabled() ? " " + ref.key() : ""; // keys only at DEBUG
            String line = "a key{} of {} bytes took {} ms: {}";
            if (ms > MigratorApp.TRANSACTION_TIMEOUT_MS / 2) {
                LOG.warn(line + "; keys over {} ms are aborted and retried", key, r.source().size(), ms, r.status().wire(),
                        MigratorApp.TRANSACTION_TIMEOUT_MS);
            } else {
                LOG.info(line, key, r.source().size(), ms, r.status().wire());
            }
        }
        return r;
    }

    private KeyResult migrateWithRetries(KeyRef ref, String keyOffset) {
        long backoff = INITIAL_BACKOFF_MS;
        for (int attempt = 0; ; attempt++) {
            KeyResult r = attempt(ref, keyOffset, attempt < config.maxRetries());
            if (r != null) {
                return r;
            }
            // keys appear in logs only at DEBUG: they can be personal data
            LOG.info("transient Redis failure{}, retry {} of {} in {} ms", LOG.isDebugEnabled() ? " on key " + ref.key() : "",
                    attempt + 1, config.maxRetries(), backoff);
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return attempt(ref, keyOffset, false);
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
    }

    /**
     * One try at a key. Every step is safe to repeat: a create that went through before the
     * connection broke shows up on the next try as a target that already matches.
     *
     * @return null when a transient failure should be retried (only if {@code mayRetry})
     */
    private KeyResult attempt(KeyRef ref, String keyOffset, boolean mayRetry) {
        RedisKey key = ref.key();
        Naming naming = config.naming();
        Optional<RenameRules.Match> match = naming.match(key);
        if (match.isEmpty()) {
            return result(ref, null, Side.ABSENT, Side.ABSENT, 0, Status.SKIPPED, SkipReason.NO_RULE, null, keyOffset);
        }
        RedisKey targetKey = null;
        Snapshot src = null;
        try {
            byte[] payload = null;
            if (config.copy() == CopyMode.DUMP) {
                DumpSnapshot dump = source.readDump(key); // payload and value from one atomic read
                src = dump.snapshot();
                payload = dump.payload();
            } else {
                src = source.read(key);
            }
            if (!src.exists()) {
                if (!naming.needsValue(match.get())) {
                    targetKey = naming.resolve(key, match.get(), null, ref.workspace()).target();
                }
                return result(ref, targetKey, Side.ABSENT, Side.ABSENT, src.readAtMs(), Status.SOURCE_MISSING, null, null, keyOffset);
            }
            Side srcSide = source.side(key, src);
            Naming.Resolved name = naming.resolve(key, match.get(), source.valueToName(key, src, naming.derivedFields()),
                    ref.workspace());
            if (name.skipped()) {
                LOG.debug("skipped {}: {} {}", key, name.skip().wire(), name.detail() == null ? "" : name.detail());
                return result(ref, null, srcSide, Side.ABSENT, src.readAtMs(), Status.SKIPPED, name.skip(), null, keyOffset);
            }
            targetKey = name.target();
            if (src.value() == null && !src.big() && config.copy() == CopyMode.STRUCT) {
                return result(ref, targetKey, srcSide, Side.ABSENT, src.readAtMs(), Status.ERROR, null,
                        "type " + src.type().wire() + " cannot be copied with --copy " + config.copy().wire() + " yet", keyOffset);
            }
            if (config.maxValueBytes() > 0 && srcSide.size() > config.maxValueBytes()) {
                return result(ref, targetKey, srcSide, Side.ABSENT, src.readAtMs(), Status.SKIPPED, SkipReason.TOO_LARGE, null, keyOffset);
            }
            if (config.mode() == Mode.DRY_RUN) {
                Side dstSide = target.side(targetKey);
                return result(ref, targetKey, srcSide, dstSide, src.readAtMs(), predict(srcSide, dstSide), null, null, keyOffset);
            }
            long ttl = src.ttlLeftAt(System.currentTimeMillis());
            if (src.ttlMs() > 0 && ttl <= 0) {
                // It expired at the source while we were copying: there is nothing left to copy.
                return result(ref, targetKey, Side.ABSENT, Side.ABSENT, src.readAtMs(), Status.SOURCE_MISSING, null, null, keyOffset);
            }
            return write(ref, keyOffset, targetKey, src, srcSide, payload, ttl);
        } catch (RuntimeException e) {
            if (mayRetry && Transient.is(e)) {
                return null;
            }
            String message = RedisEndpoint.redact(e.getClass().getSimpleName() + ": " + e.getMessage());
            LOG.warn("a key failed{}: {}", LOG.isDebugEnabled() ? " (" + key + ")" : "", message);
            Side srcSide = src == null || !src.exists() ? Side.ABSENT
                    : src.big() ? new Side(src.type(), -1, null, src.ttlMs()) : src.side();
            return result(ref, targetKey, srcSide, Side.ABSENT, src == null ? 0 : src.readAtMs(), Status.ERROR, null, message, keyOffset);
        }
    }

    /** What execute would do with a target as it is now: the dry run's answer. */
    private Status predict(Side srcSide, Side dstSide) {
        if (!dstSide.exists()) {
            return Status.WOULD_COPY;
        }
        if (srcSide.sameContentAs(dstSide)) {
            return Status.ALREADY_MATCH;
        }
        return replaces(srcSide, dstSide) ? Status.WOULD_COPY : Status.CONFLICT_SKIPPED;
    }

    /** Under skip, and whenever the types differ, an existing key is never touched. */
    private boolean replaces(Side srcSide, Side dstSide) {
        return config.onConflict() == ConflictPolicy.REPLACE_IF_DIFFERENT && srcSide.type() == dstSide.type();
    }

    /**
     * Writes the target only if it is still what we decided on: absent (create), or — under
     * replace-if-different — exactly the value we backed up (replace). When an application
     * changes it between our look and our write, we look again; a target that keeps changing
     * is left to the application.
     */
    private KeyResult write(KeyRef ref, String keyOffset, RedisKey targetKey, Snapshot src, Side srcSide, byte[] payload,
                            long ttl) {
        boolean mayReplace = config.onConflict() == ConflictPolicy.REPLACE_IF_DIFFERENT;
        Side now = Side.ABSENT;
        for (int look = 0; look < MAX_LOOKS; look++) {
            DumpSnapshot current = mayReplace ? target.readDump(targetKey) : new DumpSnapshot(target.read(targetKey), null);
            now = target.side(targetKey, current.snapshot());
            byte[] expected = NOTHING;
            if (now.exists()) {
                if (srcSide.sameContentAs(now) || !replaces(srcSide, now)) {
                    break;
                }
                if (current.payload() == null) {
                    // A big target has no DUMP payload we could keep on the backup topic, and what
                    // cannot be rolled back is not replaced.
                    return result(ref, targetKey, srcSide, now, src.readAtMs(), Status.CONFLICT_SKIPPED, null,
                            "the target is too big to back up before replacing it", keyOffset);
                }
                backup.keep(new BackupRecord(ref.run(), config.actor(), ref.key(), targetKey, now.type(), current.payload(),
                        current.snapshot().ttlMs(), now.sha256(), srcSide.sha256(), System.currentTimeMillis()));
                expected = current.payload();
            }
            boolean written;
            if (src.big()) {
                written = source.copyBig(ref.key(), src, target, targetKey, expected == NOTHING ? null : expected);
            } else if (payload != null) {
                written = expected == NOTHING ? target.restoreIfAbsent(targetKey, payload, ttl)
                        : target.restoreReplacing(targetKey, payload, ttl, expected);
            } else {
                written = expected == NOTHING ? target.createIfAbsent(targetKey, src.value(), ttl)
                        : target.replace(targetKey, src.value(), ttl, expected);
            }
            if (written) {
                Side back = target.side(targetKey);
                Status status = srcSide.sameContentAs(back) ? Status.COPIED : Status.COPY_MISMATCH;
                LOG.debug("{} {} -> {} ({} bytes{})", status.wire(), ref.key(), targetKey, srcSide.size(),
                        expected == NOTHING ? "" : ", replaced");
                return result(ref, targetKey, srcSide, back, src.readAtMs(), status, null, null, keyOffset);
            }
        }
        Status status = srcSide.sameContentAs(now) ? Status.ALREADY_MATCH : Status.CONFLICT_SKIPPED;
        return result(ref, targetKey, srcSide, now, src.readAtMs(), status, null, null, keyOffset);
    }

    private KeyResult result(KeyRef ref, RedisKey targetKey, Side src, Side dst, long readAt, Status status,
                             SkipReason reason, String message, String keyOffset) {
        return new KeyResult(ref.run(), config.actor(), config.mode(), ref.workspace(), ref.key(), targetKey, src, dst,
                readAt, status, reason, message, System.currentTimeMillis(), keyOffset);
    }
}
