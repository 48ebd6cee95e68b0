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
import io.keyferry.redis.Written;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The per-key logic over real Redis: rename, read the source, guard, compare with the target,
 * create the target atomically if absent (execute) or say what would happen (dry-run), read back.
 */
public final class StoreKeyMigrator implements KeyMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(StoreKeyMigrator.class);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final int MAX_LOOKS = 3;
    private static final long SLOW_KEY_NANOS = 5_000_000_000L;
    private static final byte[] NOTHING = new byte[0];

    private final MigrateConfig config;
    private final RedisStore source;
    private final RedisStore target;
    private final BackupSink backup;
    private final Metrics metrics;
    private final io.keyferry.core.rate.RateLimiter rate;
    private final io.keyferry.core.rate.Retry retry;

    /**
     * @param rate paces the keys this replica migrates; the Streams app's {@link Pacer} sets it to
     *             this replica's share of the run's --rps
     */
    public StoreKeyMigrator(MigrateConfig config, RedisStore source, RedisStore target, BackupSink backup,
                            Metrics metrics, io.keyferry.core.rate.RateLimiter rate) {
        this.metrics = metrics;
        this.backup = backup;
        this.config = config;
        this.source = source;
        this.target = target;
        this.rate = rate;
        // --max-retries tries that may fail for a passing reason, then one whose failure is the key's error
        this.retry = config.maxRetries() == 0 ? null : io.keyferry.core.rate.Retry.upTo(config.maxRetries())
                .onlyIf(Transient::is).waiting(FIRST_BACKOFF_MS, io.keyferry.core.rate.Backoff.MAX_MS);
    }

    @Override
    public KeyResult migrate(KeyRef ref, String keyOffset) {
        rate.acquire();
        long t0 = System.nanoTime();
        KeyResult r = migrateWithRetries(ref, keyOffset);
        finished(ref, r, System.nanoTime() - t0);
        return r;
    }

    /**
     * A reference of a {@code --follow} run. A key the run owns follows its source: rewritten when
     * the source changed ({@code updated}), deleted when the source is gone ({@code deleted}). Its
     * content is not compared with what the store says the run left there: a crash between the
     * write to Redis and the commit of the store leaves the store one write behind. Nobody but the
     * run writes the target's copies before the cut-over; the writes compare-and-set against the
     * target as just read, so one that changes under them is looked at again. Any other key is
     * copied as in a snapshot.
     */
    @Override
    public KeyResult follow(KeyRef ref, String keyOffset, Owned owned) {
        rate.acquire();
        long t0 = System.nanoTime();
        Owned.Entry mine = owned.get(ref.key());
        KeyResult r;
        if (mine == null) {
            r = migrateWithRetries(ref, keyOffset);
        } else if (retry == null) {
            r = followOwned(ref, keyOffset, mine, false);
        } else {
            try {
                r = retry.call(() -> followOwned(ref, keyOffset, mine, true), (attempt, e, ms) ->
                        LOG.info("transient Redis failure{}, retry {} of {} in {} ms",
                                LOG.isDebugEnabled() ? " on key " + ref.key() : "", attempt, config.maxRetries(), ms));
            } catch (RuntimeException e) {
                r = followOwned(ref, keyOffset, mine, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r = followOwned(ref, keyOffset, mine, false);
            }
        }
        Owned.record(owned, ref, r, mine != null);
        finished(ref, r, System.nanoTime() - t0);
        return r;
    }

    /**
     * A page of a follow run. The keys the run owns are done together, a round trip per step for
     * all of them: the sources and the targets read, then the writes and deletes (each a
     * compare-and-set against the target as just read), then the read-backs. A key that does not
     * fit that path (a big key, a name that changed, a write that found the target changed, a
     * failure) is then done on its own, as {@link #follow} does it. The others as the default says.
     */
    @Override
    public List<KeyResult> followAll(List<KeyRef> refs, String keyOffset, Owned owned) {
        List<Integer> mine = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            if (owned.get(refs.get(i).key()) != null) {
                mine.add(i);
            }
        }
        if (mine.size() < 2 || config.mode() != Mode.EXECUTE) {
            return KeyMigrator.super.followAll(refs, keyOffset, owned);
        }
        KeyResult[] out = new KeyResult[refs.size()];
        List<KeyRef> fresh = new ArrayList<>();
        List<Integer> freshAt = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            if (!mine.contains(i)) {
                fresh.add(refs.get(i));
                freshAt.add(i);
            }
        }
        long t0 = System.nanoTime();
        int n = mine.size();
        List<KeyRef> ours = mine.stream().map(refs::get).toList();
        List<Owned.Entry> entries = ours.stream().map(r -> owned.get(r.key())).toList();
        ours.forEach(r -> rate.acquire());
        List<RedisKey> sourceKeys = ours.stream().map(KeyRef::key).toList();
        List<CompletableFuture<DumpSnapshot>> reads = config.copy() == CopyMode.DUMP ? source.readDumpAllAsync(sourceKeys)
                : source.readAllAsync(sourceKeys).stream().map(f -> f.thenApply(sn -> new DumpSnapshot(sn, null))).toList();
        source.flush();
        List<CompletableFuture<DumpSnapshot>> looks = target.readDumpAllAsync(entries.stream().map(Owned.Entry::target).toList());
        target.flush();
        KeyResult[] done = new KeyResult[n];
        Object[] plan = new Object[n]; // Copy to write, Boolean.TRUE to delete, null: on its own
        DumpSnapshot[] srcs = new DumpSnapshot[n];
        DumpSnapshot[] nows = new DumpSnapshot[n];
        List<CompletableFuture<Boolean>> writes = new ArrayList<>(Collections.nCopies(n, null));
        for (int j = 0; j < n; j++) {
            KeyRef ref = ours.get(j);
            Owned.Entry e = entries.get(j);
            try {
                srcs[j] = reads.get(j).join();
                nows[j] = looks.get(j).join();
                Snapshot src = srcs[j].snapshot();
                Side now = target.side(e.target(), nows[j].snapshot());
                boolean gone = !src.exists() || (src.ttlMs() > 0 && src.ttlLeftAt(System.currentTimeMillis()) <= 0);
                if (gone) {
                    if (!now.exists()) {
                        done[j] = result(ref, names(ref), e.target(), Side.ABSENT, Side.ABSENT, src.readAtMs(), Status.DELETED, null, null,
                                keyOffset);
                    } else if (nows[j].payload() != null) {
                        plan[j] = Boolean.TRUE;
                        writes.set(j, target.deleteIfAsync(e.target(), nows[j].payload()));
                    }
                    continue;
                }
                Optional<RenameRules.Match> match = config.naming().match(ref.key());
                if (match.isEmpty() || src.big() || (now.exists() && nows[j].payload() == null)) {
                    continue; // on its own
                }
                Step step = plan(ref, match.get(), src, srcs[j].payload(), keyOffset);
                if (step instanceof Done d) {
                    done[j] = d.result();
                    continue;
                }
                Copy c = (Copy) step;
                if (!c.targetKey().equals(e.target())) {
                    continue;
                }
                if (c.srcSide().sameContentAs(now) && sameTtl(c.ttlMs(), nows[j].snapshot().ttlMs())) {
                    Status as = e.status() == Status.COPIED || e.status() == Status.UPDATED ? e.status() : Status.ALREADY_MATCH;
                    done[j] = result(ref, c.names(), c.targetKey(), c.srcSide(), now, src.readAtMs(), as, null, null, keyOffset);
                    continue;
                }
                byte[] expected = now.exists() ? nows[j].payload() : null;
                plan[j] = c;
                writes.set(j, c.payload() != null ? target.restoreReplacingAsync(c.targetKey(), c.payload(), c.ttlMs(), expected)
                        : target.replaceAsync(c.targetKey(), c.src().value(), c.ttlMs(), expected));
            } catch (RuntimeException ex) {
                plan[j] = null;
                done[j] = null; // on its own, with retries
            }
        }
        target.flush();
        List<RedisKey> backKeys = new ArrayList<>(Collections.nCopies(n, null));
        boolean[] wrote = new boolean[n];
        for (int j = 0; j < n; j++) {
            if (writes.get(j) == null) {
                continue;
            }
            try {
                wrote[j] = writes.get(j).join();
                if (wrote[j]) {
                    backKeys.set(j, entries.get(j).target());
                }
            } catch (RuntimeException ex) {
                wrote[j] = false;
            }
            if (!wrote[j]) {
                plan[j] = null; // the target changed under the write: on its own, looked at again
            }
        }
        List<CompletableFuture<Snapshot>> backs = target.readAllAsync(backKeys);
        target.flush();
        for (int j = 0; j < n; j++) {
            KeyRef ref = ours.get(j);
            Owned.Entry e = entries.get(j);
            if (done[j] != null || plan[j] == null) {
                continue;
            }
            try {
                Snapshot back = backs.get(j).join();
                if (plan[j] == Boolean.TRUE) {
                    done[j] = result(ref, names(ref), e.target(), Side.ABSENT, target.side(e.target(), back),
                            srcs[j].snapshot().readAtMs(), Status.DELETED, null, null, keyOffset);
                } else {
                    Copy c = (Copy) plan[j];
                    Side dst = target.side(c.targetKey(), back, c.src(), c.srcSide());
                    done[j] = result(ref, c.names(), c.targetKey(), c.srcSide(), dst, c.src().readAtMs(),
                            c.srcSide().sameContentAs(dst) ? Status.UPDATED : Status.COPY_MISMATCH, null, null, keyOffset);
                }
            } catch (RuntimeException ex) {
                done[j] = null;
            }
        }
        long nanos = System.nanoTime() - t0;
        for (int j = 0; j < n; j++) {
            KeyRef ref = ours.get(j);
            if (done[j] != null) {
                Owned.record(owned, ref, done[j], true);
                finished(ref, done[j], nanos);
                out[mine.get(j)] = done[j];
            } else {
                out[mine.get(j)] = follow(ref, keyOffset, owned);
            }
        }
        List<KeyResult> results = copyFresh(fresh, keyOffset, owned);
        for (int i = 0; i < fresh.size(); i++) {
            out[freshAt.get(i)] = results.get(i);
        }
        return List.of(out);
    }

    private Map<String, String> names(KeyRef ref) {
        return config.naming().match(ref.key()).map(m -> Naming.text(m.captures())).orElse(Map.of());
    }

    /**
     * A follow run answers for the target's whole image: a key whose source is gone, and whose
     * target name holds a key the run does not own (one held before the run, or the run's own copy
     * whose record a crash lost), is not the image. It is {@code conflict_skipped}, which a cut-over
     * counts, rather than {@code source_missing}, which says nothing is there.
     */
    @Override
    public List<KeyResult> checkFresh(List<KeyResult> results) {
        List<KeyResult> out = new ArrayList<>(results.size());
        for (KeyResult r : results) {
            if (r.status() == Status.SOURCE_MISSING && r.targetKey() != null) {
                try {
                    Side now = target.side(r.targetKey());
                    if (now.exists()) {
                        r = new KeyResult(r.run(), r.actor(), r.mode(), r.workspace(), r.key(), r.targetKey(), r.source(), now,
                                r.readAtMs(), Status.CONFLICT_SKIPPED, null,
                                "the source is gone, and the target holds a key the run has no record of writing", r.atMs(),
                                r.keyOffset(), r.names());
                    }
                } catch (RuntimeException e) {
                    r = new KeyResult(r.run(), r.actor(), r.mode(), r.workspace(), r.key(), r.targetKey(), r.source(), Side.ABSENT,
                            r.readAtMs(), Status.ERROR, null, RedisEndpoint.redact(e.getClass().getSimpleName() + ": "
                            + e.getMessage()), r.atMs(), r.keyOffset(), r.names());
                }
            }
            out.add(r);
        }
        return out;
    }

    /** One try at a key the run owns; a transient failure is thrown when {@code mayRetry}. */
    private KeyResult followOwned(KeyRef ref, String keyOffset, Owned.Entry mine, boolean mayRetry) {
        RedisKey key = ref.key();
        Snapshot src = null;
        try {
            byte[] payload = null;
            if (config.copy() == CopyMode.DUMP) {
                DumpSnapshot dump = source.readDump(key);
                src = dump.snapshot();
                payload = dump.payload();
            } else {
                src = source.read(key);
            }
            boolean gone = !src.exists() || (src.ttlMs() > 0 && src.ttlLeftAt(System.currentTimeMillis()) <= 0);
            if (gone) {
                return followDeleted(ref, keyOffset, mine, src.readAtMs());
            }
            Optional<RenameRules.Match> match = config.naming().match(key);
            if (match.isEmpty()) {
                return noRule(ref, keyOffset);
            }
            Step step = plan(ref, match.get(), src, payload, keyOffset);
            if (step instanceof Done done) {
                return done.result();
            }
            RedisKey targetKey = step instanceof Predict p ? p.targetKey() : ((Copy) step).targetKey();
            if (!targetKey.equals(mine.target())) {
                // Its name changed with its value (a derived name): the old target stays as the
                // run wrote it, and the new one is copied as any other key would be.
                return attempt(ref, keyOffset, mayRetry);
            }
            if (step instanceof Predict p) {
                // A dry run owns what execute would have written: the source as it was then.
                Side now = target.side(targetKey);
                Status status = mine.sha256().equals(p.srcSide().sha256()) ? mine.status() : Status.WOULD_UPDATE;
                return result(ref, p.names(), targetKey, p.srcSide(), now, src.readAtMs(), status, null, null, keyOffset);
            }
            Copy c = (Copy) step;
            KeyResult r = write(ref, c.names(), keyOffset, targetKey, src, c.srcSide(), payload, c.ttlMs(), mine.sha256());
            if (r.status() == Status.COPIED) {
                return result(ref, c.names(), targetKey, r.source(), r.target(), r.readAtMs(), Status.UPDATED, null, null, keyOffset);
            }
            if (r.status() == Status.ALREADY_MATCH && (mine.status() == Status.COPIED || mine.status() == Status.UPDATED)) {
                // As the run left it: still what the run did to it.
                return result(ref, c.names(), targetKey, r.source(), r.target(), r.readAtMs(), mine.status(), null, null, keyOffset);
            }
            return r;
        } catch (RuntimeException e) {
            if (mayRetry && Transient.is(e)) {
                throw e;
            }
            return failed(ref, keyOffset, e, src, mine.target(), Map.of());
        }
    }

    /** The source of a key the run owns is gone: so goes the run's copy, if it is still the run's. */
    private KeyResult followDeleted(KeyRef ref, String keyOffset, Owned.Entry mine, long readAtMs) {
        RedisKey t = mine.target();
        Map<String, String> names = config.naming().match(ref.key()).map(m -> Naming.text(m.captures())).orElse(Map.of());
        DumpSnapshot current = target.readDump(t);
        Side now = target.side(t, current.snapshot());
        if (!now.exists()) {
            return result(ref, names, t, Side.ABSENT, Side.ABSENT, readAtMs,
                    config.mode() == Mode.DRY_RUN ? Status.WOULD_DELETE : Status.DELETED, null, null, keyOffset);
        }
        if (config.mode() == Mode.DRY_RUN) {
            // what execute would have done with the copy it would own
            return result(ref, names, t, Side.ABSENT, now, readAtMs, Status.WOULD_DELETE, null, null, keyOffset);
        }
        // A big key has no payload to compare inside one script: compared first, then deleted.
        boolean deleted = current.payload() == null ? target.undoBig(t, now, null, -1) : target.deleteIf(t, current.payload());
        if (deleted) {
            LOG.debug("deleted {} -> {}", ref.key(), t);
            return result(ref, names, t, Side.ABSENT, target.side(t), readAtMs, Status.DELETED, null, null, keyOffset);
        }
        return result(ref, names, t, Side.ABSENT, target.side(t), readAtMs, Status.CONFLICT_SKIPPED, null,
                "the target changed while the run deleted it", keyOffset);
    }

    /**
     * A page of keys with one round trip per step for all of them: the source reads are sent
     * together, then the writes (or, in a dry run, the target reads), then the read-backs. What
     * does not fit that path — a big key, a replace, a key whose command failed — is then done on
     * its own, with retries, exactly as {@link #migrate} does it. Every step is safe to repeat.
     */
    @Override
    public List<KeyResult> migrateAll(List<KeyRef> refs, String keyOffset) {
        if (refs.size() == 1) {
            return List.of(migrate(refs.get(0), keyOffset));
        }
        refs.forEach(r -> rate.acquire());
        long t0 = System.nanoTime();
        int n = refs.size();
        KeyResult[] out = new KeyResult[n];
        List<Optional<RenameRules.Match>> matches = new ArrayList<>(n);
        List<RedisKey> toRead = new ArrayList<>(Collections.nCopies(n, null));
        for (int i = 0; i < n; i++) {
            RedisKey key = refs.get(i).key();
            matches.add(config.naming().match(key));
            if (matches.get(i).isEmpty()) {
                out[i] = noRule(refs.get(i), keyOffset);
            } else {
                toRead.set(i, key);
            }
        }
        List<CompletableFuture<DumpSnapshot>> reads = config.copy() == CopyMode.DUMP ? source.readDumpAllAsync(toRead)
                : source.readAllAsync(toRead).stream().map(f -> f == null ? null : f.thenApply(sn -> new DumpSnapshot(sn, null)))
                        .toList();
        source.flush();
        Step[] steps = new Step[n];
        Batch restores = new Batch();
        Batch creates = new Batch();
        for (int i = 0; i < n; i++) {
            if (reads.get(i) == null) {
                continue;
            }
            try {
                DumpSnapshot d = reads.get(i).join();
                steps[i] = plan(refs.get(i), matches.get(i).get(), d.snapshot(), d.payload(), keyOffset);
            } catch (RuntimeException e) {
                continue; // done on its own below
            }
            if (steps[i] instanceof Done done) {
                out[i] = done.result();
            } else if (steps[i] instanceof Copy c && !c.src().big() && config.onConflict() == ConflictPolicy.SKIP) {
                (c.payload() != null ? restores : creates).add(i, c);
            } else if (steps[i] instanceof Copy c) {
                steps[i] = null;
                try {
                    // a big key or a replace: its own steps, now (its source was read already)
                    out[i] = write(refs.get(i), c.names(), keyOffset, c.targetKey(), c.src(), c.srcSide(), c.payload(), c.ttlMs());
                } catch (RuntimeException e) {
                    // done over, with retries, below
                }
            }
        }
        List<CompletableFuture<Written>> writes = new ArrayList<>(Collections.nCopies(n, null));
        restores.sent(writes, target.restoreAllIfAbsentAsync(restores.keys, restores.payloads, restores.ttls));
        creates.sent(writes, target.createAllIfAbsentAsync(creates.keys, creates.values, creates.ttls));
        target.flush();
        // After a write, the read-back; after a refused create or in a dry run, the target as it is.
        // A batched create or restore mostly brings its own read-back, taken in the same call.
        boolean[] written = new boolean[n];
        Side[] seen = new Side[n];
        List<RedisKey> toLook = new ArrayList<>(Collections.nCopies(n, null));
        for (int i = 0; i < n; i++) {
            try {
                if (writes.get(i) != null) {
                    Written r = writes.get(i).join();
                    written[i] = r.created();
                    Copy c = (Copy) steps[i];
                    if (r.sameTtlMs() != null) {
                        seen[i] = c.srcSide().seenAs(r.sameTtlMs());
                    } else if (r.look() != null) {
                        seen[i] = target.side(c.targetKey(), r.look(), c.src(), c.srcSide());
                    } else {
                        toLook.set(i, c.targetKey());
                    }
                } else if (steps[i] instanceof Predict p) {
                    toLook.set(i, p.targetKey());
                }
            } catch (RuntimeException e) {
                steps[i] = null;
            }
        }
        List<CompletableFuture<Snapshot>> looks = target.readAllAsync(toLook);
        target.flush();
        for (int i = 0; i < n; i++) {
            if ((looks.get(i) == null && seen[i] == null) || steps[i] == null) {
                continue;
            }
            try {
                if (steps[i] instanceof Predict p) {
                    Side dst = target.side(p.targetKey(), looks.get(i).join());
                    out[i] = result(refs.get(i), p.names(), p.targetKey(), p.srcSide(), dst, p.src().readAtMs(), predict(p.srcSide(), dst),
                            null, null, keyOffset);
                } else {
                    Copy c = (Copy) steps[i];
                    Side dst = seen[i] != null ? seen[i] : target.side(c.targetKey(), looks.get(i).join(), c.src(), c.srcSide());
                    Status status = written[i] ? (c.srcSide().sameContentAs(dst) ? Status.COPIED : Status.COPY_MISMATCH)
                            : (c.srcSide().sameContentAs(dst) ? Status.ALREADY_MATCH : Status.CONFLICT_SKIPPED);
                    out[i] = result(refs.get(i), c.names(), c.targetKey(), c.srcSide(), dst, c.src().readAtMs(), status, null, null,
                            keyOffset);
                }
            } catch (RuntimeException e) {
                out[i] = null;
            }
        }
        long nanos = System.nanoTime() - t0;
        for (int i = 0; i < n; i++) {
            if (out[i] != null) {
                finished(refs.get(i), out[i], nanos);
            } else {
                long one = System.nanoTime();
                out[i] = migrateWithRetries(refs.get(i), keyOffset);
                finished(refs.get(i), out[i], System.nanoTime() - one);
            }
        }
        return List.of(out);
    }

    private void finished(KeyRef ref, KeyResult r, long nanos) {
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
    }

    private KeyResult migrateWithRetries(KeyRef ref, String keyOffset) {
        if (retry == null) {
            return attempt(ref, keyOffset, false);
        }
        try {
            return retry.call(() -> attempt(ref, keyOffset, true), (attempt, e, ms) ->
                    // keys appear in logs only at DEBUG: they can be personal data
                    LOG.info("transient Redis failure{}, retry {} of {} in {} ms",
                            LOG.isDebugEnabled() ? " on key " + ref.key() : "", attempt, config.maxRetries(), ms));
        } catch (RuntimeException e) {
            return attempt(ref, keyOffset, false); // the retries are spent: this try's failure is the key's error
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return attempt(ref, keyOffset, false);
        }
    }

    /**
     * One try at a key. Every step is safe to repeat: a create that went through before the
     * connection broke shows up on the next try as a target that already matches.
     *
     * @throws RuntimeException a transient failure, to be tried again (only if {@code mayRetry})
     */
    private KeyResult attempt(KeyRef ref, String keyOffset, boolean mayRetry) {
        RedisKey key = ref.key();
        Optional<RenameRules.Match> match = config.naming().match(key);
        if (match.isEmpty()) {
            return noRule(ref, keyOffset);
        }
        Snapshot src = null;
        Step step = null;
        try {
            byte[] payload = null;
            if (config.copy() == CopyMode.DUMP) {
                DumpSnapshot dump = source.readDump(key); // payload and value from one atomic read
                src = dump.snapshot();
                payload = dump.payload();
            } else {
                src = source.read(key);
            }
            step = plan(ref, match.get(), src, payload, keyOffset);
            if (step instanceof Done done) {
                return done.result();
            }
            if (step instanceof Predict p) {
                Side dstSide = target.side(p.targetKey());
                return result(ref, p.names(), p.targetKey(), p.srcSide(), dstSide, src.readAtMs(), predict(p.srcSide(), dstSide), null, null,
                        keyOffset);
            }
            Copy c = (Copy) step;
            return write(ref, c.names(), keyOffset, c.targetKey(), src, c.srcSide(), payload, c.ttlMs());
        } catch (RuntimeException e) {
            if (mayRetry && Transient.is(e)) {
                throw e;
            }
            RedisKey targetKey = step instanceof Predict p ? p.targetKey() : step instanceof Copy c ? c.targetKey() : null;
            Map<String, String> names = step instanceof Predict p ? p.names() : step instanceof Copy c ? c.names()
                    : Naming.text(match.get().captures());
            return failed(ref, keyOffset, e, src, targetKey, names);
        }
    }

    /** A key's {@code error} result: the failure's cause (no value, no password) as its message. */
    private KeyResult failed(KeyRef ref, String keyOffset, RuntimeException e, Snapshot src, RedisKey targetKey,
                             Map<String, String> names) {
        String message = RedisEndpoint.redact(e.getClass().getSimpleName() + ": " + e.getMessage());
        LOG.warn("a key failed{}: {}", LOG.isDebugEnabled() ? " (" + ref.key() + ")" : "", message);
        Side srcSide = src == null || !src.exists() ? Side.ABSENT
                : src.big() ? new Side(src.type(), -1, null, src.ttlMs()) : src.side();
        return result(ref, names, targetKey, srcSide, Side.ABSENT, src == null ? 0 : src.readAtMs(), Status.ERROR, null, message,
                keyOffset);
    }

    /** The creates of a page, gathered to go in as few calls as the target allows. */
    private static final class Batch {
        final List<Integer> at = new ArrayList<>();
        final List<RedisKey> keys = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        final List<io.keyferry.core.hash.KeyValue> values = new ArrayList<>();
        final List<Long> ttls = new ArrayList<>();

        void add(int i, Copy c) {
            at.add(i);
            keys.add(c.targetKey());
            payloads.add(c.payload());
            values.add(c.src().value());
            ttls.add(c.ttlMs());
        }

        <T> void sent(List<CompletableFuture<T>> writes, List<CompletableFuture<T>> futures) {
            for (int j = 0; j < at.size(); j++) {
                writes.set(at.get(j), futures.get(j));
            }
        }
    }

    /** What to do with a key once its source was read. */
    private sealed interface Step permits Done, Predict, Copy {
    }

    /** Nothing more to do: this is the result. */
    private record Done(KeyResult result) implements Step {
    }

    /** A dry run: compare with the target. */
    private record Predict(RedisKey targetKey, Snapshot src, Side srcSide, Map<String, String> names) implements Step {
    }

    /** Copy to the target, with this TTL. */
    private record Copy(RedisKey targetKey, Snapshot src, Side srcSide, byte[] payload, long ttlMs, Map<String, String> names)
            implements Step {
    }

    /** Everything decided from the source alone: name, guards, skips; then predict or copy. */
    private Step plan(KeyRef ref, RenameRules.Match match, Snapshot src, byte[] payload, String keyOffset) {
        RedisKey key = ref.key();
        Naming naming = config.naming();
        if (!src.exists()) {
            Naming.Resolved byName = naming.needsValue(match) ? null : naming.resolve(key, match, null, ref.workspace());
            Map<String, String> names = Naming.text(byName == null ? match.captures() : byName.names());
            return new Done(result(ref, names, byName == null ? null : byName.target(), Side.ABSENT, Side.ABSENT, src.readAtMs(),
                    Status.SOURCE_MISSING, null, null, keyOffset));
        }
        Side srcSide = source.side(key, src);
        Naming.Resolved name = naming.resolve(key, match, source.valueToName(key, src, naming.derivedFields()), ref.workspace());
        Map<String, String> names = Naming.text(name.names());
        if (name.skipped()) {
            LOG.debug("skipped {}: {} {}", key, name.skip().wire(), name.detail() == null ? "" : name.detail());
            return new Done(result(ref, names, null, srcSide, Side.ABSENT, src.readAtMs(), Status.SKIPPED, name.skip(), name.detail(),
                    keyOffset));
        }
        RedisKey targetKey = name.target();
        if (src.value() == null && !src.big() && config.copy() == CopyMode.STRUCT) {
            return new Done(result(ref, names, targetKey, srcSide, Side.ABSENT, src.readAtMs(), Status.ERROR, null,
                    "type " + src.type().wire() + " cannot be copied with --copy " + config.copy().wire() + " yet", keyOffset));
        }
        if (config.maxValueBytes() > 0 && srcSide.size() > config.maxValueBytes()) {
            return new Done(result(ref, names, targetKey, srcSide, Side.ABSENT, src.readAtMs(), Status.SKIPPED, SkipReason.TOO_LARGE,
                    null, keyOffset));
        }
        if (config.mode() == Mode.DRY_RUN) {
            return new Predict(targetKey, src, srcSide, names);
        }
        long ttl = src.ttlLeftAt(System.currentTimeMillis());
        if (src.ttlMs() > 0 && ttl <= 0) {
            // It expired at the source while we were copying: there is nothing left to copy.
            return new Done(result(ref, names, targetKey, Side.ABSENT, Side.ABSENT, src.readAtMs(), Status.SOURCE_MISSING, null,
                    null, keyOffset));
        }
        return new Copy(targetKey, src, srcSide, payload, ttl, names);
    }

    private KeyResult noRule(KeyRef ref, String keyOffset) {
        return result(ref, Map.of(), null, Side.ABSENT, Side.ABSENT, 0, Status.SKIPPED, SkipReason.NO_RULE, null, keyOffset);
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
    private KeyResult write(KeyRef ref, Map<String, String> names, String keyOffset, RedisKey targetKey, Snapshot src, Side srcSide, byte[] payload,
                            long ttl) {
        return write(ref, names, keyOffset, targetKey, src, srcSide, payload, ttl, null);
    }

    /**
     * @param ownedSha in a {@code --follow} run, the hash of what the run last wrote to {@code
     *                 targetKey} (the run owns it): the run's to rewrite whatever the policy, and
     *                 without a backup (it held nothing of anyone else's); null otherwise
     */
    private KeyResult write(KeyRef ref, Map<String, String> names, String keyOffset, RedisKey targetKey, Snapshot src, Side srcSide, byte[] payload,
                            long ttl, String ownedSha) {
        boolean mayReplace = config.onConflict() == ConflictPolicy.REPLACE_IF_DIFFERENT || ownedSha != null;
        Side now = Side.ABSENT;
        for (int look = 0; look < MAX_LOOKS; look++) {
            DumpSnapshot current = mayReplace ? target.readDump(targetKey) : new DumpSnapshot(target.read(targetKey), null);
            now = target.side(targetKey, current.snapshot());
            byte[] expected = NOTHING;
            if (now.exists()) {
                // A key the run owns is the run's to rewrite even when it holds something else than
                // the store says: the run's own write whose transaction a crash left uncommitted.
                boolean ours = ownedSha != null;
                if (srcSide.sameContentAs(now) && (!ours || sameTtl(ttl, current.snapshot().ttlMs()))) {
                    break;
                }
                if (!ours && !replaces(srcSide, now)) {
                    break;
                }
                if (current.payload() == null) {
                    // A big target has no DUMP payload we could keep on the backup topic, and what
                    // cannot be rolled back is not replaced.
                    return result(ref, names, targetKey, srcSide, now, src.readAtMs(), Status.CONFLICT_SKIPPED, null,
                            "the target is too big to back up before replacing it", keyOffset);
                }
                if (!ours) {
                    backup.keep(new BackupRecord(ref.run(), config.actor(), ref.key(), targetKey, now.type(), current.payload(),
                            current.snapshot().ttlMs(), now.sha256(), srcSide.sha256(), System.currentTimeMillis()));
                }
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
                Side back = target.side(targetKey, target.read(targetKey), src, srcSide);
                Status status = srcSide.sameContentAs(back) ? Status.COPIED : Status.COPY_MISMATCH;
                LOG.debug("{} {} -> {} ({} bytes{})", status.wire(), ref.key(), targetKey, srcSide.size(),
                        expected == NOTHING ? "" : ", replaced");
                return result(ref, names, targetKey, srcSide, back, src.readAtMs(), status, null, null, keyOffset);
            }
        }
        Status status = srcSide.sameContentAs(now) ? Status.ALREADY_MATCH : Status.CONFLICT_SKIPPED;
        return result(ref, names, targetKey, srcSide, now, src.readAtMs(), status, null, null, keyOffset);
    }

    /**
     * Whether a target's TTL is the one a copy made now would give it: both persistent, or both
     * expiring within a second of each other. Only a key the run owns is rewritten for its TTL
     * alone (an EXPIRE or PERSIST on its source).
     */
    private static boolean sameTtl(long wantedMs, long targetMs) {
        if (wantedMs <= 0 || targetMs < 0) {
            return wantedMs <= 0 && targetMs < 0;
        }
        return Math.abs(wantedMs - targetMs) <= 1000;
    }

    /**
     * The result of one key. Its workspace is the key's own (its {workspace_id}, captured or
     * derived), or none: the scan's --workspace only says which keys the run keeps.
     */
    private KeyResult result(KeyRef ref, Map<String, String> names, RedisKey targetKey, Side src, Side dst, long readAt,
                             Status status, SkipReason reason, String message, String keyOffset) {
        return new KeyResult(ref.run(), config.actor(), config.mode(), names.get(Naming.WORKSPACE), ref.key(), targetKey, src,
                dst, readAt, status, reason, message, System.currentTimeMillis(), keyOffset, names);
    }
}
