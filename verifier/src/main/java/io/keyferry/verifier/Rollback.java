package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.DumpSnapshot;
import io.keyferry.redis.RedisStore;

import java.util.HashMap;
import java.util.Map;

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
     * Plans (and with {@code execute}, carries out) the rollback of {@code run}, one step per key
     * written, each handed to {@code each} as it is taken: the run's keys are never all in memory.
     * When executing, each step also goes to the audit topic as a rollback record by {@code actor},
     * acknowledged by Kafka before the next key, so a rollback stopped midway has recorded every
     * step it took.
     */
    public void run(String run, boolean execute, String actor, java.util.function.Consumer<Step> each) {
        Map<RedisKey, BackupRecord> firstBackup = backups(run);
        try (RunTally tally = new AuditTopic(clients).tally(run);
             var producer = execute ? clients.producer("keyferry-rollback-" + run) : null) {
            for (AuditRecord a : tally.records()) {
                KeyResult r = a.result();
                if (r.mode() != Mode.EXECUTE || r.status() != Status.COPIED || r.targetKey() == null) {
                    continue;
                }
                Step s = step(r.targetKey(), r.target(), firstBackup.get(r.targetKey()), execute);
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

    private Step step(RedisKey key, Side written, BackupRecord backup, boolean execute) {
        DumpSnapshot now = target.readDump(key);
        if (!now.exists()) {
            return new Step(key, Action.GONE, false);
        }
        if (!written.sameContentAs(target.side(key, now.snapshot()))) {
            return new Step(key, Action.LEFT_ALONE, false);
        }
        long ttl = backup == null || backup.ttlMs() < 0 ? -1 : backup.ttlMs() - (System.currentTimeMillis() - backup.atMs());
        // With no backup the run created the key; a previous value that would have expired by now
        // leaves no key behind either.
        boolean delete = backup == null || (backup.ttlMs() >= 0 && ttl <= 0);
        Action action = delete ? Action.DELETE : Action.RESTORE;
        if (!execute) {
            return new Step(key, action, false);
        }
        if (now.snapshot().big()) {
            return new Step(key, action, target.undoBig(key, written, delete ? null : backup.payload(), ttl));
        }
        return new Step(key, action, delete ? target.deleteIf(key, now.payload())
                : target.restoreReplacing(key, backup.payload(), ttl, now.payload()));
    }

    /** The first backup of each target key the run replaced: the value from before the run. */
    private Map<RedisKey, BackupRecord> backups(String run) {
        Map<RedisKey, BackupRecord> first = new HashMap<>();
        TopicReader.readAll(clients, Topics.BACKUP, rec -> {
            if (!run.equals(Json.runOf(rec.value()))) {
                return;
            }
            try {
                BackupRecord b = Json.decodeBackup(rec.value());
                first.merge(b.targetKey(), b, (x, y) -> x.atMs() <= y.atMs() ? x : y);
            } catch (BadRecordException e) {
                // not a backup of ours
            }
        });
        return first;
    }
}
