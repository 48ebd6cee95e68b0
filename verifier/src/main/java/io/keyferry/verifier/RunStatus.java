package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.model.Verdict;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.report.PerKey;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Where a run stands, from the topics alone: what the scanners published, what the migrator
 * processed, what the verifier judged, how far behind each consumer group is, and an ETA.
 */
public record RunStatus(String run, long scanned, boolean scanDone, long processed, long verified, long mismatches,
                        long migratorLag, long verifierLag, double keysPerSecond, boolean complete, long finishedAtMs,
                        RolledBack rolledBack) {

    /** What rollbacks of the run did: keys deleted and restored, and keys left alone because they had changed. */
    public record RolledBack(long deleted, long restored, long leftAlone) {
        public long keys() {
            return deleted + restored;
        }
    }

    public static RunStatus of(KafkaClients clients, String run) throws Exception {
        try (Completion completion = new Completion(clients, run)) {
            return of(clients, run, completion);
        }
    }

    private static RunStatus of(KafkaClients clients, String run, Completion completion) throws Exception {
        Map<String, ScanProgress> scanners = completion.scanners();
        long scanned = Completion.published(scanners);
        boolean scanDone = !scanners.isEmpty() && scanners.values().stream().allMatch(ScanProgress::done);
        var ended = completion.end();
        if (ended == null && clients.stored() != null) {
            // known before the trail is read, so it is not read twice
            throw new io.keyferry.kafka.NeedsBrokerException("the consumer groups of run " + run + ", not finished");
        }

        long processed;
        long[] window = {Long.MAX_VALUE, Long.MIN_VALUE};
        // on disk past a bound: a run's keys need not fit in memory
        try (io.keyferry.core.report.DistinctKeys processedKeys = new io.keyferry.core.report.DistinctKeys()) {
            TopicReader.read(clients, Topics.RESULTS, completion.resultsFrom(), rec -> {
                if (!run.equals(Json.runOf(rec.value()))) {
                    return;
                }
                try {
                    KeyResult r = Json.decodeResult(rec.value());
                    processedKeys.add(r.key());
                    window[0] = Math.min(window[0], r.atMs());
                    window[1] = Math.max(window[1], r.atMs());
                } catch (BadRecordException e) {
                    // not ours to count
                }
            }, false, () -> false);
            processed = processedKeys.count();
        }
        long mismatches;
        long verified;
        // A key's latest rollback record says what became of it; kept per key on disk past a bound.
        long deleted = 0;
        long restored = 0;
        long leftAlone = 0;
        try (PerKey rollbacks = new PerKey(PerKey.Keep.LAST)) {
            try (RunTally tally = new AuditTopic(clients).tally(run, false, rb -> rollbacks.add(rb.targetKey().unsafeBytes(),
                    rb.atMs(), new byte[] {(byte) Rollback.Action.valueOfWire(rb.action()).ordinal(), (byte) (rb.done() ? 1 : 0)}))) {
                mismatches = tally.summary().count(Verdict.MISMATCH);
                verified = tally.keys();
            }
            for (var it = rollbacks.entries(); it.hasNext(); ) {
                byte[] rb = it.next().value();
                Rollback.Action action = Rollback.Action.values()[rb[0]];
                boolean done = rb[1] == 1;
                if (done && action == Rollback.Action.DELETE) {
                    deleted++;
                } else if (done && action == Rollback.Action.RESTORE) {
                    restored++;
                } else if (action == Rollback.Action.LEFT_ALONE || !done) {
                    leftAlone++;
                }
            }
        }
        long migratorLag = 0;
        long verifierLag = 0;
        boolean complete = ended != null;
        // A finished run's groups have nothing of it left to read: their lag over the shared topics
        // would count the records of runs after it.
        if (ended == null) {
            try (Admin admin = clients.admin()) {
                migratorLag = lag(clients, admin, clients.migratorApplicationId(run), Topics.KEYS);
                verifierLag = lag(clients, admin, clients.verifierGroupId(run), Topics.RESULTS);
                Map<TopicPartition, Long> end = completion.resultsEndOnceMigrated(admin);
                complete = end != null && completion.verifiedUpTo(admin, end);
            }
        }
        double rate = processed < 2 || window[1] <= window[0] ? 0
                : processed * 1000.0 / (window[1] - window[0]);
        return new RunStatus(run, scanned, scanDone, processed, verified, mismatches, migratorLag,
                verifierLag, rate, complete, ended == null ? -1 : ended.atMs(), new RolledBack(deleted, restored, leftAlone));
    }

    /**
     * One line per key of the run (a cohort's per-subject state): every key the scanners published,
     * with its latest status and verdict, or {@code pending} / {@code unverified} where the
     * migrator or the verifier has not got to it yet.
     */
    public static List<String> perKey(KafkaClients clients, String run) {
        List<String> lines = new java.util.ArrayList<>();
        try (PerKey published = new PerKey(PerKey.Keep.FIRST); PerKey results = new PerKey(PerKey.Keep.LAST);
             RunTally tally = new AuditTopic(clients).tally(run)) {
            TopicReader.read(clients, Topics.KEYS, Coverage.keysFrom(new io.keyferry.kafka.ProgressTopic(clients).scanners(run)), rec -> {
                if (run.equals(Json.runOf(rec.value()))) {
                    try {
                        for (var ref : Json.decodeKeyRefs(rec.value())) {
                            published.add(ref.key().unsafeBytes(), 0, NOTHING);
                        }
                    } catch (BadRecordException e) {
                        // a dead letter, not a key of the run
                    }
                }
            }, false, () -> false);
            TopicReader.read(clients, Topics.RESULTS, new io.keyferry.kafka.ProgressTopic(clients).resultsFrom(run), rec -> {
                if (run.equals(Json.runOf(rec.value()))) {
                    try {
                        KeyResult r = Json.decodeResult(rec.value());
                        results.add(r.key().unsafeBytes(), r.atMs(), (r.status().wire()
                                + (r.reason() == null ? "" : "(" + r.reason().wire() + ")")).getBytes(StandardCharsets.UTF_8));
                    } catch (BadRecordException e) {
                        // not ours
                    }
                }
            }, false, () -> false);
            Walk<AuditRecord> verdicts = new Walk<>(tally.records().iterator(), a -> a.result().key().unsafeBytes());
            Walk<PerKey.Entry> scanned = new Walk<>(published.entries(), PerKey.Entry::key);
            Walk<PerKey.Entry> processed = new Walk<>(results.entries(), PerKey.Entry::key);
            while (scanned.head() != null || processed.head() != null) {
                byte[] key = scanned.head() == null ? processed.key()
                        : processed.head() == null || Arrays.compareUnsigned(scanned.key(), processed.key()) <= 0 ? scanned.key()
                        : processed.key();
                scanned.to(key);
                PerKey.Entry result = processed.to(key);
                AuditRecord verdict = verdicts.to(key);
                String status = result == null ? "pending" : new String(result.value(), StandardCharsets.UTF_8);
                String judged = result == null ? "-" : verdict != null && verdict.result().atMs() >= result.atMs()
                        ? verdict.verdict().wire() + (verdict.kind() == null ? "" : "(" + verdict.kind().wire() + ")") : "unverified";
                lines.add(RedisKey.of(key).display() + " " + status + " " + judged);
            }
        }
        return lines;
    }

    private static final byte[] NOTHING = new byte[0];

    /**
     * A walk along entries in unsigned key order, one entry per key, for joining sorted sources
     * key by key without holding any of them.
     */
    private static final class Walk<T> {
        private final java.util.Iterator<T> it;
        private final java.util.function.Function<T, byte[]> keyOf;
        private T head;

        Walk(java.util.Iterator<T> it, java.util.function.Function<T, byte[]> keyOf) {
            this.it = it;
            this.keyOf = keyOf;
            this.head = it.hasNext() ? it.next() : null;
        }

        T head() {
            return head;
        }

        byte[] key() {
            return keyOf.apply(head);
        }

        /** The entry of {@code key}, or null when there is none; moves past it and every key before it. */
        T to(byte[] key) {
            while (head != null && Arrays.compareUnsigned(key(), key) < 0) {
                head = it.hasNext() ? it.next() : null;
            }
            if (head == null || !Arrays.equals(key(), key)) {
                return null;
            }
            T found = head;
            head = it.hasNext() ? it.next() : null;
            return found;
        }
    }

    /**
     * One line per subject of the run (per user, per workspace: the values of {@code name}, a name
     * the run's --rename captures or its --derive names), from each key's latest result and verdict:
     * {@code by NAME=VALUE keys=N copied=N skipped=N conflicts=N errors=N mismatches=N}, in order of
     * the value; keys without a value for the name (no rule matched) come as {@code NAME=-}. The
     * run's keys are kept on disk past a bound; only the subjects are held.
     *
     * @throws ConfigException naming --by when the run's keys have names and {@code name} is not one of them
     */
    public static List<String> bySubject(KafkaClients clients, String run, String name) {
        java.util.TreeMap<String, long[]> subjects = new java.util.TreeMap<>();
        Set<String> known = new java.util.TreeSet<>();
        try (PerKey latest = new PerKey(PerKey.Keep.LAST)) {
            TopicReader.read(clients, Topics.RESULTS, new io.keyferry.kafka.ProgressTopic(clients).resultsFrom(run), rec -> {
                if (run.equals(Json.runOf(rec.value()))) {
                    try {
                        KeyResult r = Json.decodeResult(rec.value());
                        known.addAll(r.names().keySet());
                        latest.add(r.key().unsafeBytes(), r.atMs(), rec.value());
                    } catch (BadRecordException e) {
                        // not ours
                    }
                }
            }, false, () -> false);
            var results = latest.entries();
            if (!known.isEmpty() && !known.contains(name)) {
                throw new io.keyferry.core.config.ConfigException("--by", "run " + run + "'s keys have no {" + name + "}; their names are "
                        + known.stream().map(n -> "{" + n + "}").collect(java.util.stream.Collectors.joining(", ")));
            }
            if (known.isEmpty() && results.hasNext()) {
                throw new io.keyferry.core.config.ConfigException("--by", "run " + run + "'s --rename captures no name and its "
                        + "--derive names none: there are no subjects to tell apart");
            }
            try (RunTally tally = new AuditTopic(clients).tally(run)) {
                Walk<AuditRecord> verdicts = new Walk<>(tally.records().iterator(), a -> a.result().key().unsafeBytes());
                while (results.hasNext()) {
                    KeyResult r = decodeKept(results.next().value());
                    AuditRecord verdict = verdicts.to(r.key().unsafeBytes());
                    long[] c = subjects.computeIfAbsent(r.names().getOrDefault(name, "-"), v -> new long[6]);
                    c[0]++;
                    switch (r.status()) {
                        case COPIED -> c[1]++;
                        case SKIPPED -> c[2]++;
                        case CONFLICT_SKIPPED -> c[3]++;
                        case ERROR -> c[4]++;
                        default -> {
                            // counted among the keys only
                        }
                    }
                    boolean mismatch = verdict != null && verdict.result().atMs() >= r.atMs() && verdict.verdict() == Verdict.MISMATCH;
                    if (r.status() == io.keyferry.core.model.Status.COPY_MISMATCH || mismatch) {
                        c[5]++;
                    }
                }
            }
        }
        List<String> lines = new java.util.ArrayList<>();
        subjects.forEach((value, c) -> lines.add(String.format(Locale.ROOT,
                "by %s=%s keys=%d copied=%d skipped=%d conflicts=%d errors=%d mismatches=%d", name, value, c[0], c[1], c[2], c[3],
                c[4], c[5])));
        return lines;
    }

    private static KeyResult decodeKept(byte[] json) {
        try {
            return Json.decodeResult(json);
        } catch (BadRecordException e) {
            throw new IllegalStateException("a kept result does not read back: " + e.getMessage(), e);
        }
    }

    /** Seconds until every scanned key is processed at the current rate; -1 when unknown. */
    public long etaSeconds() {
        if (complete) {
            return 0;
        }
        long left = Math.max(0, scanned - processed);
        return keysPerSecond <= 0 ? -1 : (long) Math.ceil(left / keysPerSecond);
    }

    public String render() {
        String state = complete ? "complete" + (finishedAtMs > 0 ? " (finished " + java.time.Instant.ofEpochMilli(finishedAtMs) + ")" : "")
                : "in progress";
        String rolled = rolledBack.keys() == 0 && rolledBack.leftAlone() == 0 ? ""
                : String.format(Locale.ROOT, "  rolled back %d keys (%d deleted, %d restored), %d left alone%n",
                        rolledBack.keys(), rolledBack.deleted(), rolledBack.restored(), rolledBack.leftAlone());
        return String.format(Locale.ROOT, """
                run %s: %s
                  scanned    %d%s
                  processed  %d (migrator lag %d)
                  verified   %d (verifier lag %d), mismatches %d
                  rate       %.1f keys/s, ETA %s
                %sstatus run=%s scanned=%d scan_done=%s processed=%d verified=%d mismatches=%d migrator_lag=%d verifier_lag=%d keys_per_s=%.1f eta_s=%d complete=%s rolled_back=%d
                """, run, state, scanned, scanDone ? " (scan complete)" : " (scan going on)",
                processed, migratorLag, verified, verifierLag, mismatches, keysPerSecond,
                etaSeconds() < 0 ? "unknown" : etaSeconds() + " s", rolled, run, scanned, scanDone, processed, verified, mismatches,
                migratorLag, verifierLag, keysPerSecond, etaSeconds(), complete, rolledBack.keys());
    }

    /** Records of topic {@code name} that consumer group {@code group} has not committed yet. */
    public static long lag(KafkaClients clients, Admin admin, String group, String name) throws Exception {
        String topic = clients.topic(name);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-status")) {
            List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : c.endOffsets(tps).entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                lag += Math.max(0, e.getValue() - (o == null ? 0 : o.offset()));
            }
            return lag;
        }
    }
}
