package io.keyferry.verifier;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.VerifyConfig;
import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.model.Verdict;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.report.CountsHeader;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Side;
import io.keyferry.kafka.KafkaClients;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.RedisStore;
import io.keyferry.redis.Snapshot;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The verifier role: consumes the run's results, looks at source and target again, and writes one
 * verdict per result to the audit topic — in the same Kafka transaction as its consumer offsets,
 * so a restart neither loses nor repeats a verdict. A Redis failure while verifying is retried,
 * never turned into a verdict.
 */
public final class VerifierApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VerifierApp.class);

    private final VerifyConfig config;
    private final KafkaClients clients;
    private final RedisStore source;
    private final RedisStore target;
    private final Judge judge;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Completion completion;
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    /** The pseudo-scanner id under which re-queued references are recorded on the progress topic. */
    static final String REQUEUE = "requeue";
    /** Whether {@code scanner} is a verifier's re-queue (of keys already published), not a scanner. */
    static boolean requeues(String scanner) {
        return scanner.equals(REQUEUE) || scanner.startsWith(REQUEUE + "-");
    }

    /** This replica's slot under --state-dir, which names its transactional id. */
    private final io.keyferry.kafka.ReplicaSlot slot;
    /**
     * The "scanner" of the keys this verifier re-queues (one per replica slot): each replica's own
     * progress record, so that two verifiers do not overwrite each other's.
     */
    private final String requeueScanner;
    private final Map<Integer, Long> requeueOffsets = new HashMap<>();
    private final java.util.Set<io.keyferry.core.model.RedisKey> passedAgain = new java.util.HashSet<>();
    private long requeued;
    private ConflictPolicy policy;
    private long verified;

    /** The longest a poll waits for results, and so for a stop to be seen. */
    private static final long POLL_MS = 200;

    /** Results per poll, hence per transaction. */
    static final int POLL_RECORDS = 2_000;
    /**
     * A poll's keys are read from Redis, and their values held, in slices of at most this many
     * source bytes (a key alone may be bigger, up to the big-key limit): 2,000 keys near that limit
     * would not fit in memory at once.
     */
    static final long SLICE_BYTES = 64L << 20;

    private final Metrics metrics;
    private final Workers workers = new Workers("keyferry-verify");

    public VerifierApp(VerifyConfig config, KafkaClients clients, RedisStore source, RedisStore target, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.clients = clients;
        this.source = source;
        this.target = target;
        this.judge = new Judge(config.ttlToleranceMs());
        // Each poll is one transaction (verdicts and offsets) and one round trip to each Redis:
        // at the consumer's default of 500 records the verifier fell behind the migrator, and at
        // 2,000 it keeps up. What a poll reads from Redis at once is bounded by SLICE_BYTES.
        this.consumer = clients.consumer(clients.verifierGroupId(config.run()), "keyferry-verify-" + config.run(),
                Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, POLL_RECORDS));
        // A transactional id per replica slot: verifiers side by side share the results topic's
        // partitions through their group, each committing its verdicts and offsets in its own
        // transactions, a zombie fenced by the group's generation (sendOffsetsToTransaction with
        // the consumer's group metadata); a verifier restarted in its slot fences the one it
        // replaces and aborts that one's open transaction, which would otherwise hold back the
        // audit topic's last stable offset (and hide verdicts from read_committed readers) until
        // it timed out.
        this.slot = io.keyferry.kafka.ReplicaSlot.take(clients.settings().stateDir().resolve("verifier"), config.run());
        this.requeueScanner = REQUEUE + "-" + slot.id();
        this.producer = clients.transactionalProducer("keyferry-verify-" + config.run(),
                clients.verifierGroupId(config.run()) + "-" + slot.id());
        this.completion = new Completion(clients, config.run());
    }

    /**
     * Verifies until {@code stop} says so, or — with {@code untilComplete} — until the run is complete.
     *
     * @return true when it ended because the run is complete
     */
    public boolean run(BooleanSupplier stop, boolean untilComplete) throws Exception {
        producer.initTransactions();
        RunStart start = awaitStart(stop);
        if (start == null) {
            return false;
        }
        policy = start.onConflict();
        consumer.subscribe(List.of(clients.topic(Topics.RESULTS)), new StartOfRun(start.resultsFrom()));
        ScanProgress earlier = completion.scanners().get(requeueScanner);
        if (earlier != null) {
            requeueOffsets.putAll(earlier.lastOffsets());
            requeued = earlier.published();
        }
        String auditTopic = clients.topic(Topics.AUDIT);
        String dlqTopic = clients.topic(Topics.DLQ);
        try (CompletionWatch watch = untilComplete ? new CompletionWatch(completion, clients, config.run()) : null) {
            Duration pollFor = Duration.ofMillis(watch == null ? POLL_MS : Math.min(POLL_MS, watch.intervalMs()));
            while (!stop.getAsBoolean()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollFor);
                if (!records.isEmpty() || positionsMoved()) {
                    producer.beginTransaction();
                    List<Future<RecordMetadata>> again = new ArrayList<>();
                    List<ConsumerRecord<byte[], byte[]>> ours = new ArrayList<>();
                    List<KeyResult> reads = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> rec : records) {
                        if (rec.value() == null) {
                            continue;
                        }
                        try {
                            KeyResult read = Json.decodeResult(rec.value());
                            if (config.run().equals(read.run())) {
                                reads.add(read);
                                ours.add(rec);
                            } // else another run's: its own verifier judges it
                        } catch (BadRecordException e) {
                            String run = Json.runOf(rec.value());
                            if (run != null && !config.run().equals(run)) {
                                continue; // another run's: its own verifier deals with it
                            }
                            // A record of this run, or of no run, that is not a result: nobody will
                            // judge it, so it goes to the DLQ with its reason, in this transaction.
                            String from = rec.topic() + "/" + rec.partition() + "@" + rec.offset();
                            LOG.warn("a record on {} is not a result ({}); sent to the DLQ", from, e.getMessage());
                            producer.send(new ProducerRecord<>(dlqTopic, rec.key(), Json.encodeDeadLetter(e.getMessage(), from)));
                            metrics.deadLetter();
                        }
                    }
                    Verdicts verdicts = verifyAll(reads, ours, stop);
                    if (verdicts == null) {
                        producer.abortTransaction();
                        return false; // stopped while waiting for Redis: nothing of this batch counts
                    }
                    List<AuditRecord> audits = verdicts.audits();
                    for (int i = 0; i < audits.size(); i++) {
                        ConsumerRecord<byte[], byte[]> rec = ours.get(i);
                        AuditRecord a = audits.get(i);
                        producer.send(audit(auditTopic, rec.key(), a, verdicts.encoded().get(i)));
                        metrics.verdict(a);
                        var heard = rec.headers().lastHeader(io.keyferry.core.follow.HeardHeader.NAME);
                        if (heard != null && io.keyferry.core.follow.HeardHeader.read(heard.value()) > 0) {
                            metrics.followLag(a.result().workspace(), System.currentTimeMillis() - io.keyferry.core.follow.HeardHeader.read(heard.value()));
                        }
                        verified++;
                        if (a.verdict() == Verdict.SOURCE_CHANGED && passAgain(a.result())) {
                            KeyRef ref = new KeyRef(config.run(), a.result().key(), a.result().workspace(), requeueScanner,
                                    requeued + again.size());
                            again.add(producer.send(new ProducerRecord<>(clients.topic(Topics.KEYS), ref.key().bytes(), Json.encode(ref))));
                        }
                    }
                    if (!again.isEmpty()) {
                        recordRequeue(again);
                    }
                    Map<TopicPartition, OffsetAndMetadata> offsets = positions();
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    producer.commitTransaction();
                    offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
                    if (!again.isEmpty() && watch != null) {
                        // only now are the re-queued references on the progress topic for it to see
                        watch.invalidate();
                    }
                }
                if (watch != null && watch.complete()) {
                    LOG.info("run {} complete: {} results verified by this verifier", config.run(), verified);
                    recordEnd();
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A verdict's audit record, keyed as its result was; with the summary's counts in a header
     * ({@link CountsHeader}) when that key is the verdict's, as it is for every result a migrator
     * writes.
     */
    public static ProducerRecord<byte[], byte[]> audit(String topic, byte[] key, AuditRecord a, byte[] json) {
        byte[] counts = key != null && java.util.Arrays.equals(key, a.result().key().unsafeBytes()) ? CountsHeader.of(a) : null;
        List<Header> headers = counts == null ? List.of() : List.of(new RecordHeader(CountsHeader.NAME, counts));
        return new ProducerRecord<>(topic, null, key, json, headers);
    }

    /**
     * Under replace-if-different, a key whose source changed after its copy gets one more pass:
     * a new key reference on the keys topic. Once per key and verifier, so a key an application
     * keeps changing cannot keep the run open.
     */
    private boolean passAgain(KeyResult r) {
        return policy == ConflictPolicy.REPLACE_IF_DIFFERENT && passedAgain.add(r.key());
    }

    /**
     * Records where the re-queued references went, in the same transaction, as one more "scanner"
     * of the run: completion then waits until the migrator has processed them too.
     */
    private void recordRequeue(List<Future<RecordMetadata>> sends) throws Exception {
        producer.flush();
        for (Future<RecordMetadata> f : sends) {
            RecordMetadata md = f.get();
            requeueOffsets.merge(md.partition(), md.offset(), Math::max);
        }
        requeued += sends.size();
        ScanProgress p = new ScanProgress(config.run(), requeueScanner, null, Map.of(), requeued, true, requeueOffsets,
                System.currentTimeMillis());
        producer.send(new ProducerRecord<>(clients.topic(Topics.PROGRESS),
                ScanProgress.recordKey(config.run(), requeueScanner).getBytes(java.nio.charset.StandardCharsets.UTF_8), Json.encode(p)));
        LOG.info("run {}: {} keys whose source changed after the copy queued for one more pass", config.run(), sends.size());
    }

    /** The first verifier to find the run complete says so on the progress topic, with the time. */
    private void recordEnd() {
        if (completion.end() != null) {
            return;
        }
        producer.beginTransaction();
        new io.keyferry.kafka.ProgressTopic(clients).finish(producer, new io.keyferry.core.model.RunEnd(config.run(),
                System.currentTimeMillis()));
        producer.commitTransaction();
    }

    /**
     * How the run was started, once a migrator has started it: until then there is nothing to
     * verify, and nothing tells where the run's results begin. Null when stopped first.
     */
    private RunStart awaitStart(BooleanSupplier stop) throws InterruptedException {
        var progress = new io.keyferry.kafka.ProgressTopic(clients);
        boolean told = false;
        while (!stop.getAsBoolean()) {
            var start = progress.start(config.run());
            if (start.isPresent()) {
                return start.get();
            }
            if (!told) {
                LOG.info("run {} has not been started by a migrator yet; waiting", config.run());
                told = true;
            }
            Thread.sleep(1000);
        }
        return null;
    }

    /**
     * A new verifier group begins where the run's results begin, not at the start of a topic that
     * holds every earlier run (an execute run would otherwise wade through its dry run's results
     * first); a group that has committed offsets goes on from them.
     */
    private final class StartOfRun implements org.apache.kafka.clients.consumer.ConsumerRebalanceListener {
        private final Map<Integer, Long> from;

        StartOfRun(Map<Integer, Long> from) {
            this.from = from;
        }

        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            // offsets are committed with each transaction; nothing is pending here
        }

        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            if (from.isEmpty() || partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> done;
            try {
                done = consumer.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                // Committed offsets not readable yet (a dead verifier's transaction still pending):
                // the consumer goes on from them once they are, or from the start; slower, not wrong.
                LOG.debug("committed offsets not known yet: {}", e.getMessage());
                return;
            }
            for (TopicPartition tp : partitions) {
                Long offset = from.get(tp.partition());
                if (offset != null && done.get(tp) == null) {
                    consumer.seek(tp, offset);
                }
            }
        }
    }

    public long verified() {
        return verified;
    }

    /**
     * The verdicts of a poll's results, slice by slice ({@link #SLICE_BYTES}).
     *
     * @return null when stopped while waiting for Redis
     */
    private Verdicts verifyAll(List<KeyResult> reads, List<ConsumerRecord<byte[], byte[]>> recs, BooleanSupplier stop)
            throws InterruptedException {
        List<AuditRecord> audits = new ArrayList<>(reads.size());
        List<byte[]> encoded = new ArrayList<>(reads.size());
        int from = 0;
        while (from < reads.size()) {
            int to = sliceEnd(reads, from, SLICE_BYTES);
            Verdicts v = verifySlice(reads.subList(from, to), recs.subList(from, to), stop);
            if (v == null) {
                return null;
            }
            audits.addAll(v.audits());
            encoded.addAll(v.encoded());
            from = to;
        }
        return new Verdicts(audits, encoded);
    }

    /** Where the slice that begins at {@code from} ends: see {@link #SLICE_BYTES}. */
    static int sliceEnd(List<KeyResult> reads, int from, long maxBytes) {
        long bytes = 0;
        int to = from;
        while (to < reads.size()) {
            bytes += Math.max(0, reads.get(to).source().size());
            if (to > from && bytes > maxBytes) {
                break;
            }
            to++;
        }
        return to;
    }

    /**
     * The verdicts of a slice of results, with the reads of all of them sent together (one round
     * trip to each Redis); a result whose reads failed is then verified on its own, with retries.
     *
     * @return null when stopped while waiting for Redis
     */
    private Verdicts verifySlice(List<KeyResult> reads, List<ConsumerRecord<byte[], byte[]>> recs, BooleanSupplier stop)
            throws InterruptedException {
        int n = reads.size();
        List<io.keyferry.core.model.RedisKey> targetKeys = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<io.keyferry.core.model.RedisKey> sourceKeys = new ArrayList<>(java.util.Collections.nCopies(n, null));
        for (int i = 0; i < n; i++) {
            KeyResult r = reads.get(i);
            if (Judge.needsLook(r)) {
                targetKeys.set(i, r.targetKey());
                sourceKeys.set(i, r.key());
            }
        }
        List<CompletableFuture<Snapshot>> targets = target.readAllAsync(targetKeys);
        List<CompletableFuture<Snapshot>> sources = source.readAllAsync(sourceKeys);
        target.flush();
        source.flush();
        AuditRecord[] out = new AuditRecord[n];
        byte[][] bytes = new byte[n][];
        // Judging (hashing, mostly) and encoding spread over the pool; a key whose reads failed is
        // left for the retrying path below, on this thread.
        workers.forEachChunk(n, (from, to) -> {
            for (int i = from; i < to; i++) {
                KeyResult r = reads.get(i);
                ConsumerRecord<byte[], byte[]> rec = recs.get(i);
                String offset = rec.topic() + "/" + rec.partition() + "@" + rec.offset();
                try {
                    out[i] = targets.get(i) == null
                            ? judge.judge(r, Side.ABSENT, Side.ABSENT, System.currentTimeMillis(), offset)
                            : judge(r, targets.get(i).join(), sources.get(i).join(), offset);
                    bytes[i] = Json.encode(out[i]);
                } catch (RuntimeException e) {
                    out[i] = null;
                }
            }
        });
        for (int i = 0; i < n; i++) {
            if (out[i] == null) {
                ConsumerRecord<byte[], byte[]> rec = recs.get(i);
                out[i] = verify(reads.get(i), rec.topic() + "/" + rec.partition() + "@" + rec.offset(), stop);
                if (out[i] == null) {
                    return null;
                }
                bytes[i] = Json.encode(out[i]);
            }
        }
        return new Verdicts(java.util.Arrays.asList(out), java.util.Arrays.asList(bytes));
    }

    /** A poll's verdicts and, in the same order, their audit records' bytes. */
    private record Verdicts(List<AuditRecord> audits, List<byte[]> encoded) {
    }

    /**
     * The verdict from a look at each side. Hashing is the costly part, so neither side is hashed
     * when it need not be: a source whose fingerprint is still the one copied holds that content,
     * and a target holding exactly the source's bytes holds the source's.
     */
    private AuditRecord judge(KeyResult r, Snapshot tNow, Snapshot sNow, String offset) {
        Side s = unchanged(r.source(), sNow) ? r.source().seenAs(sNow.ttlMs()) : source.side(r.key(), sNow);
        return judge.judge(r, s, target.side(r.targetKey(), tNow, sNow, s), tNow.readAtMs(), offset);
    }

    private static boolean unchanged(Side copied, Snapshot now) {
        return copied.digest() != null && now.exists() && !now.big() && now.value() != null && now.type() == copied.type()
                && copied.digest().equals(io.keyferry.core.hash.Canonical.fingerprint(now.value()));
    }

    private AuditRecord verify(KeyResult r, String offset, BooleanSupplier stop) throws InterruptedException {
        if (!Judge.needsLook(r)) {
            return judge.judge(r, Side.ABSENT, Side.ABSENT, System.currentTimeMillis(), offset);
        }
        try {
            return io.keyferry.core.rate.Retry.forever().until(stop).call(() -> {
                // Both looks first, hashes after: a big key takes seconds to hash, and the TTLs
                // must be compared as of the moment they were read.
                Snapshot tNow = target.read(r.targetKey());
                Snapshot sNow = source.read(r.key());
                return judge(r, tNow, sNow, offset);
            }, (attempt, e, ms) ->
                    // keys appear in logs only at DEBUG: they can be personal data
                    LOG.warn("cannot verify {} yet ({}); retrying in {} ms", LOG.isDebugEnabled() ? r.key() : "a key",
                            RedisEndpoint.redact(e.getMessage()), ms));
        } catch (io.keyferry.core.rate.Retry.Stopped e) {
            return null;
        }
    }

    /**
     * Where the consumer stands on each partition whose position is known. One that is not known
     * yet (its committed offset is still held by a dead verifier's transaction, e.g. after a
     * broker restart) has had nothing read from it: nothing to commit there this round.
     */
    private Map<TopicPartition, OffsetAndMetadata> positions() {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            try {
                m.put(tp, new OffsetAndMetadata(consumer.position(tp, Duration.ofSeconds(2))));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.debug("position of {} not known yet: {}", tp, e.getMessage());
            }
        }
        return m;
    }

    // Positions also move past transaction markers with no records to show for it; committing
    // them is what lets completion compare against the last stable offsets.
    private boolean positionsMoved() {
        try {
            for (TopicPartition tp : consumer.assignment()) {
                Long c = committed.get(tp);
                if (c == null || c != consumer.position(tp, Duration.ofSeconds(5))) {
                    return true;
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // The group's offsets cannot be read yet (e.g. a dead verifier's transactional offsets
            // are still pending after a broker restart): nothing to commit this round, poll on.
            LOG.debug("positions not known yet: {}", e.getMessage());
        }
        return false;
    }

    @Override
    public void close() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } finally {
            try {
                producer.close(Duration.ofSeconds(5));
            } finally {
                workers.close();
                completion.close();
                slot.close();
            }
        }
    }
}
