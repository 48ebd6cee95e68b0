package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Status;
import io.keyferry.core.report.PerKey;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.DumpSnapshot;
import io.keyferry.redis.RedisStore;

import java.util.Arrays;
import java.util.Iterator;

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
     * key the run last wrote (in key order), each handed to {@code each} as it is taken. The run's
     * keys are never all in memory: what it wrote and the backups it kept are sorted by target key
     * on disk past a bound ({@link PerKey}) and walked side by side. When executing, each step
     * also goes to the audit topic as a rollback record by {@code actor}, acknowledged by Kafka
     * before the next key, so a rollback stopped midway has recorded every step it took.
     */
    public void run(String run, boolean execute, String actor, java.util.function.Consumer<Step> each) {
        try (PerKey firstBackup = backups(run); PerKey written = written(run);
             var producer = execute ? clients.producer("keyferry-rollback-" + run) : null) {
            Iterator<PerKey.Entry> backups = firstBackup.entries();
            PerKey.Entry backup = backups.hasNext() ? backups.next() : null;
            for (Iterator<PerKey.Entry> it = written.entries(); it.hasNext(); ) {
                PerKey.Entry w = it.next();
                while (backup != null && Arrays.compareUnsigned(backup.key(), w.key()) < 0) {
                    backup = backups.hasNext() ? backups.next() : null;
                }
                BackupRecord before = backup != null && Arrays.equals(backup.key(), w.key()) ? decodeBackup(backup.value()) : null;
                Step s = step(decodeResult(w.value()), before, execute);
                if (producer != null) {
                    var record = new io.keyferry.core.model.RollbackRecord(run, actor, s.targetKey(), s.action().wire(),
                            s.done(), System.currentTimeMillis());
                    io.keyferry.kafka.Sends.await(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            clients.topic(Topics.AUDIT), s.targetKey().bytes(), Json.encode(record))));
                }
                each.accept(s);
            }
        }
    }

    private Step step(KeyResult r, BackupRecord backup, boolean execute) {
        RedisKey key = r.targetKey();
        DumpSnapshot now = target.readDump(key);
        long ttl = backup == null || backup.ttlMs() < 0 ? -1 : backup.ttlMs() - (System.currentTimeMillis() - backup.atMs());
        // A previous value that would have expired by now leaves no key behind.
        boolean expired = backup != null && backup.ttlMs() >= 0 && ttl <= 0;
        if (r.status() == Status.DELETED) {
            // The run deleted the key (its source was deleted while followed): what it left is an
            // absence, and undoing it puts back the value from before the run, if there was one.
            if (now.exists()) {
                return new Step(key, Action.LEFT_ALONE, false);
            }
            if (backup == null || expired) {
                return new Step(key, Action.GONE, false);
            }
            return new Step(key, Action.RESTORE, execute && target.restoreIfAbsent(key, backup.payload(), ttl));
        }
        if (!now.exists()) {
            return new Step(key, Action.GONE, false);
        }
        if (!r.target().sameContentAs(target.side(key, now.snapshot()))) {
            return new Step(key, Action.LEFT_ALONE, false);
        }
        // With no backup the run created the key.
        boolean delete = backup == null || expired;
        Action action = delete ? Action.DELETE : Action.RESTORE;
        if (!execute) {
            return new Step(key, action, false);
        }
        if (now.snapshot().big()) {
            return new Step(key, action, target.undoBig(key, r.target(), delete ? null : backup.payload(), ttl));
        }
        return new Step(key, action, delete ? target.deleteIf(key, now.payload())
                : target.restoreReplacing(key, backup.payload(), ttl, now.payload()));
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
                if (r.mode() == Mode.EXECUTE && r.targetKey() != null && (r.status() == Status.COPIED
                        || r.status() == Status.UPDATED || r.status() == Status.DELETED)) {
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
    private PerKey backups(String run) {
        PerKey first = new PerKey(PerKey.Keep.FIRST);
        TopicReader.read(clients, Topics.BACKUP, new io.keyferry.kafka.ProgressTopic(clients).backupFrom(run), rec -> {
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
