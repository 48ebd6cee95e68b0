package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.report.PerKey;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.DumpSnapshot;
import io.keyferry.redis.RedisStore;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Undoes what a run wrote, and only where the target still holds what the run wrote: deletes the
 * keys it created, and restores byte-exact (with the TTL they had left) the keys it replaced,
 * from {@code <prefix>.backup}. A key changed since is reported and left alone. Each step is an
 * atomic compare-and-act on the target, so an application write in between is never undone.
 */
public final class Rollback {
    /** What rollback does (or, in a dry run, would do) with one key. */
    public enum Action {
        DELETE("delete", "delete"), RESTORE("restore", "restore"),
        LEFT_ALONE("left_alone", "left alone (changed since the run)"), GONE("gone", "already gone");

        private final String wire;
        private final String text;

        Action(String wire, String text) {
            this.wire = wire;
            this.text = text;
        }

        public String wire() {
            return wire;
        }

        public String text() {
            return text;
        }

        /** The action a rollback record names; GONE for a name this version does not know. */
        public static Action valueOfWire(String wire) {
            for (Action a : values()) {
                if (a.wire.equals(wire)) {
                    return a;
                }
            }
            return GONE;
        }
    }

    public record Step(RedisKey targetKey, Action action, boolean done) {
    }

    private final KafkaClients clients;
    private final RedisStore target;

    public Rollback(KafkaClients clients, RedisStore target) {
        this.clients = clients;
        this.target = target;
    }

    /**
     * Plans (and with {@code execute}, carries out) the rollback of {@code run}, one step per target
     * key the run last wrote (in key order), each handed to {@code each} once taken. The run's
     * keys are never all in memory: what it wrote and the backups it kept are sorted by target key
     * on disk past a bound ({@link PerKey}) and walked side by side, {@value #BATCH} keys at a time
     * (one round trip to read them, one to act). When executing, each step also goes to the audit
     * topic as a rollback record by {@code actor}, and a batch's records are acknowledged by Kafka
     * before the next batch is read: a rollback stopped midway has recorded every step it took
     * but those of the batch it was stopped in, and when run again finds those keys already
     * deleted ({@code gone}) or already restored ({@code restore}, done).
     */
    public void run(String run, boolean execute, String actor, java.util.function.Consumer<Step> each) {
        var start = new io.keyferry.kafka.ProgressTopic(clients).start(run);
        Map<Integer, Long> backupFrom = start.map(RunStart::backupFrom).orElse(Map.of());
        whole(run, Topics.BACKUP, backupFrom, "keys it replaced would be deleted instead of restored");
        whole(run, Topics.AUDIT, start.map(RunStart::auditFrom).orElse(Map.of()), "keys it wrote would be left as they are");
        try (PerKey firstBackup = backups(run, backupFrom); PerKey written = written(run);
             var producer = execute ? clients.producer("keyferry-rollback-" + run) : null) {
            Iterator<PerKey.Entry> backups = firstBackup.entries();
            PerKey.Entry backup = backups.hasNext() ? backups.next() : null;
            List<KeyResult> results = new ArrayList<>(BATCH);
            List<BackupRecord> befores = new ArrayList<>(BATCH);
            for (Iterator<PerKey.Entry> it = written.entries(); it.hasNext(); ) {
                PerKey.Entry w = it.next();
                while (backup != null && Arrays.compareUnsigned(backup.key(), w.key()) < 0) {
                    backup = backups.hasNext() ? backups.next() : null;
                }
                results.add(decodeResult(w.value()));
                befores.add(backup != null && Arrays.equals(backup.key(), w.key()) ? decodeBackup(backup.value()) : null);
                if (results.size() == BATCH || !it.hasNext()) {
                    List<Step> steps = take(results, befores, execute);
                    if (producer != null) {
                        List<Future<RecordMetadata>> sends = new ArrayList<>(steps.size());
                        for (Step s : steps) {
                            var record = new io.keyferry.core.model.RollbackRecord(run, actor, s.targetKey(), s.action().wire(),
                                    s.done(), System.currentTimeMillis());
                            sends.add(producer.send(new ProducerRecord<>(clients.topic(Topics.AUDIT), s.targetKey().bytes(),
                                    Json.encode(record))));
                        }
                        Sends.awaitAll(sends);
                    }
                    steps.forEach(each);
                    results.clear();
                    befores.clear();
                }
            }
        }
    }

    /**
     * Refuses a rollback whose run's records on topic {@code name} are no longer all there (retention
     * or a deletion removed the oldest): what it would do without them is not an undo.
     *
     * @throws ConfigException naming --run
     */
    private void whole(String run, String name, Map<Integer, Long> from, String otherwise) {
        for (var start : TopicReader.starts(clients, name).entrySet()) {
            Long begins = from.get(start.getKey());
            if (begins != null && start.getValue() > begins) {
                throw new io.keyferry.core.config.ConfigException("--run", "run " + run + "'s oldest records on "
                        + clients.topic(name) + " are gone (partition " + start.getKey() + " begins at offset " + start.getValue()
                        + ", the run's records at " + begins + "; retention or a deletion removed them): " + otherwise
                        + ", so rollback is refused");
            }
        }
    }

    /** Keys taken together: few enough that a stopped rollback leaves little unrecorded. */
    static final int BATCH = 256;

    /** One batch: every key read in one round trip, then every compare-and-act in one more. */
    private List<Step> take(List<KeyResult> results, List<BackupRecord> befores, boolean execute) {
        List<CompletableFuture<DumpSnapshot>> reads = target.readDumpAllAsync(results.stream().map(KeyResult::targetKey).toList());
        target.flush();
        List<Action> actions = new ArrayList<>(results.size());
        List<CompletableFuture<Boolean>> acts = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            KeyResult r = results.get(i);
            BackupRecord backup = befores.get(i);
            DumpSnapshot now = reads.get(i).join();
            Side held = now.exists() ? target.side(r.targetKey(), now.snapshot()) : Side.ABSENT;
            boolean restored = restored(backup, held);
            Action action = restored ? Action.RESTORE : plan(r, backup, held);
            actions.add(action);
            acts.add(restored ? CompletableFuture.completedFuture(true) : execute ? act(r, backup, now, action) : null);
        }
        target.flush();
        List<Step> steps = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            CompletableFuture<Boolean> act = acts.get(i);
            steps.add(new Step(results.get(i).targetKey(), actions.get(i), act != null && act.join()));
        }
        return steps;
    }

    /**
     * Whether the target holds the value from before the run again (a rollback stopped after
     * restoring it, before recording it): then that key's restore is done.
     */
    private static boolean restored(BackupRecord backup, Side held) {
        return backup != null && held.exists() && held.type() == backup.type() && held.sha256().equals(backup.previousSha256());
    }

    /** What undoing {@code r} takes, given what the target holds now. */
    private static Action plan(KeyResult r, BackupRecord backup, Side held) {
        boolean expired = backup != null && backup.ttlMs() >= 0 && ttlLeft(backup) <= 0;
        if (r.status() == Status.DELETED) {
            // The run deleted the key (its source was deleted while followed): what it left is an
            // absence, and undoing it puts back the value from before the run, if there was one.
            if (held.exists()) {
                return Action.LEFT_ALONE;
            }
            return backup == null || expired ? Action.GONE : Action.RESTORE;
        }
        if (!held.exists()) {
            return Action.GONE;
        }
        if (!r.target().sameContentAs(held)) {
            return Action.LEFT_ALONE;
        }
        // With no backup the run created the key; a previous value that would have expired by
        // now leaves no key behind either.
        return backup == null || expired ? Action.DELETE : Action.RESTORE;
    }

    /** Queues {@code action}'s compare-and-act; null when there is nothing to do. */
    private CompletableFuture<Boolean> act(KeyResult r, BackupRecord backup, DumpSnapshot now, Action action) {
        RedisKey key = r.targetKey();
        if (action != Action.DELETE && action != Action.RESTORE) {
            return null;
        }
        boolean delete = action == Action.DELETE;
        long ttl = backup == null || backup.ttlMs() < 0 ? -1 : ttlLeft(backup);
        if (!now.exists()) {
            return target.restoreReplacingAsync(key, backup.payload(), ttl, null);
        }
        if (now.snapshot().big()) {
            return CompletableFuture.completedFuture(target.undoBig(key, r.target(), delete ? null : backup.payload(), ttl));
        }
        return delete ? target.deleteIfAsync(key, now.payload()) : target.restoreReplacingAsync(key, backup.payload(), ttl, now.payload());
    }

    private static long ttlLeft(BackupRecord backup) {
        return backup.ttlMs() - (System.currentTimeMillis() - backup.atMs());
    }

    /**
     * What the run last wrote to each target key: the latest result of each of its keys that
     * copied, updated or (following its source) deleted a target key, by target key.
     */
    private PerKey written(String run) {
        PerKey written = new PerKey(PerKey.Keep.LAST);
        try (RunTally tally = new AuditTopic(clients).tally(run)) {
            for (AuditRecord a : tally.records()) {
                KeyResult r = a.result();
                if (r.mode() == Mode.EXECUTE && r.targetKey() != null && r.status().changedTarget()) {
                    written.add(r.targetKey().unsafeBytes(), r.atMs(), Json.encode(r));
                }
            }
        } catch (RuntimeException e) {
            written.close();
            throw e;
        }
        return written;
    }

    /** The first backup of each target key the run replaced: the value from before the run. */
    private PerKey backups(String run, Map<Integer, Long> from) {
        PerKey first = new PerKey(PerKey.Keep.FIRST);
        TopicReader.read(clients, Topics.BACKUP, from, rec -> {
            if (!run.equals(Json.runOf(rec.value()))) {
                return;
            }
            try {
                BackupRecord b = Json.decodeBackup(rec.value());
                first.add(b.targetKey().unsafeBytes(), b.atMs(), rec.value());
            } catch (BadRecordException e) {
                // not a backup of ours
            }
        }, false, () -> false);
        return first;
    }

    private static BackupRecord decodeBackup(byte[] json) {
        try {
            return Json.decodeBackup(json);
        } catch (BadRecordException e) {
            throw new IllegalStateException("a kept backup does not read back: " + e.getMessage(), e);
        }
    }

    private static KeyResult decodeResult(byte[] json) {
        try {
            return Json.decodeResult(json);
        } catch (BadRecordException e) {
            throw new IllegalStateException("a kept result does not read back: " + e.getMessage(), e);
        }
    }
}
