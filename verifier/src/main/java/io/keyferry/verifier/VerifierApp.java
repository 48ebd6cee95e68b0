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
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Side;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.RedisStore;
import io.keyferry.redis.Snapshot;
import org.apache.kafka.clients.admin.Admin;
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
    private static final long COMPLETION_CHECK_MS = 500;

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
    private final Map<Integer, Long> requeueOffsets = new HashMap<>();
    private final java.util.Set<io.keyferry.core.model.RedisKey> passedAgain = new java.util.HashSet<>();
    private long requeued;
    private ConflictPolicy policy;
    private long verified;

    private final Metrics metrics;

    public VerifierApp(VerifyConfig config, KafkaClients clients, RedisStore source, RedisStore target, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.clients = clients;
        this.source = source;
        this.target = target;
        this.judge = new Judge(config.ttlToleranceMs());
        this.consumer = clients.consumer(clients.verifierGroupId(config.run()), "keyferry-verify-" + config.run());
        // A stable transactional id: a restarted verifier fences the one it replaces and aborts
        // that one's open transaction, which would otherwise hold back the audit topic's last
        // stable offset (and hide verdicts from read_committed readers) until it timed out.
        this.producer = clients.transactionalProducer("keyferry-verify-" + config.run(),
                clients.verifierGroupId(config.run()));
        this.completion = new Completion(clients, config.run());
    }

    /**
     * Verifies until {@code stop} says so, or — with {@code untilComplete} — until the run is complete.
     *
     * @return true when it ended because the run is complete
     */
    public boolean run(BooleanSupplier stop, boolean untilComplete) throws Exception {
        producer.initTransactions();
        consumer.subscribe(List.of(clients.topic(Topics.RESULTS)));
        ScanProgress earlier = completion.scanners().get(REQUEUE);
        if (earlier != null) {
            requeueOffsets.putAll(earlier.lastOffsets());
            requeued = earlier.published();
        }
        String auditTopic = clients.topic(Topics.AUDIT);
        String dlqTopic = clients.topic(Topics.DLQ);
        long nextCheck = 0;
        Map<TopicPartition, Long> target = null;
        try (Admin admin = clients.admin()) {
            while (!stop.getAsBoolean()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty() || positionsMoved()) {
                    producer.beginTransaction();
                    List<Future<RecordMetadata>> again = new ArrayList<>();
                    List<ConsumerRecord<byte[], byte[]>> ours = new ArrayList<>();
                    List<KeyResult> results = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> rec : records) {
                        if (rec.value() == null) {
                            continue;
                        }
                        String run = Json.runOf(rec.value());
                        if (run != null && !config.run().equals(run)) {
                            continue; // another run's: its own verifier judges it
                        }
                        try {
                            results.add(Json.decodeResult(rec.value()));
                            ours.add(rec);
                        } catch (BadRecordException e) {
                            // A record of this run, or of no run, that is not a result: nobody will
                            // judge it, so it goes to the DLQ with its reason, in this transaction.
                            String from = rec.topic() + "/" + rec.partition() + "@" + rec.offset();
                            LOG.warn("a record on {} is not a result ({}); sent to the DLQ", from, e.getMessage());
                            producer.send(new ProducerRecord<>(dlqTopic, rec.key(), Json.encodeDeadLetter(e.getMessage(), from)));
                            metrics.deadLetter();
                        }
                    }
                    List<AuditRecord> audits = verifyAll(results, ours, stop);
                    if (audits == null) {
                        producer.abortTransaction();
                        return false; // stopped while waiting for Redis: nothing of this batch counts
                    }
                    for (int i = 0; i < audits.size(); i++) {
                        ConsumerRecord<byte[], byte[]> rec = ours.get(i);
                        AuditRecord a = audits.get(i);
                        producer.send(new ProducerRecord<>(auditTopic, rec.key(), Json.encode(a)));
                        metrics.verdict(a);
                        verified++;
                        if (a.verdict() == Verdict.SOURCE_CHANGED && passAgain(a.result())) {
                            KeyRef ref = new KeyRef(config.run(), a.result().key(), a.result().workspace(), REQUEUE, requeued + again.size());
                            again.add(producer.send(new ProducerRecord<>(clients.topic(Topics.KEYS), ref.key().bytes(), Json.encode(ref))));
                        }
                    }
                    if (!again.isEmpty()) {
                        recordRequeue(again);
                        target = null; // the run has more to do than when the end was taken
                    }
                    Map<TopicPartition, OffsetAndMetadata> offsets = positions();
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    producer.commitTransaction();
                    offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
                }
                if (untilComplete && System.currentTimeMillis() >= nextCheck) {
                    nextCheck = System.currentTimeMillis() + COMPLETION_CHECK_MS;
                    if (target == null) {
                        target = completion.resultsEndOnceMigrated(admin);
                    }
                    if (target != null && completion.verifiedUpTo(admin, target)) {
                        LOG.info("run {} complete: {} results verified by this verifier", config.run(), verified);
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Under replace-if-different, a key whose source changed after its copy gets one more pass:
     * a new key reference on the keys topic. Once per key and verifier, so a key an application
     * keeps changing cannot keep the run open.
     */
    private boolean passAgain(KeyResult r) {
        if (policy == null) {
            policy = new io.keyferry.kafka.ProgressTopic(clients).start(config.run()).map(RunStart::onConflict).orElse(null);
        }
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
        ScanProgress p = new ScanProgress(config.run(), REQUEUE, null, Map.of(), requeued, true, requeueOffsets,
                System.currentTimeMillis());
        producer.send(new ProducerRecord<>(clients.topic(Topics.PROGRESS),
                ScanProgress.recordKey(config.run(), REQUEUE).getBytes(java.nio.charset.StandardCharsets.UTF_8), Json.encode(p)));
        LOG.info("run {}: {} keys whose source changed after the copy queued for one more pass", config.run(), sends.size());
    }

    public long verified() {
        return verified;
    }

    /**
     * The verdicts of a poll's results, with the reads of all of them sent together (one round
     * trip to each Redis); a result whose reads failed is then verified on its own, with retries.
     *
     * @return null when stopped while waiting for Redis
     */
    private List<AuditRecord> verifyAll(List<KeyResult> results, List<ConsumerRecord<byte[], byte[]>> recs, BooleanSupplier stop)
            throws InterruptedException {
        int n = results.size();
        List<CompletableFuture<Snapshot>> targets = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<CompletableFuture<Snapshot>> sources = new ArrayList<>(java.util.Collections.nCopies(n, null));
        for (int i = 0; i < n; i++) {
            KeyResult r = results.get(i);
            if (Judge.needsLook(r)) {
                targets.set(i, target.readAsync(r.targetKey()));
                sources.set(i, source.readAsync(r.key()));
            }
        }
        List<AuditRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            KeyResult r = results.get(i);
            ConsumerRecord<byte[], byte[]> rec = recs.get(i);
            String offset = rec.topic() + "/" + rec.partition() + "@" + rec.offset();
            AuditRecord a = null;
            if (targets.get(i) == null) {
                a = judge.judge(r, Side.ABSENT, Side.ABSENT, System.currentTimeMillis(), offset);
            } else {
                try {
                    a = judge(r, targets.get(i).join(), sources.get(i).join(), offset);
                } catch (RuntimeException e) {
                    a = verify(r, offset, stop);
                    if (a == null) {
                        return null;
                    }
                }
            }
            out.add(a);
        }
        return out;
    }

    /** The verdict from a look at each side; a target holding exactly the source's bytes is not hashed again. */
    private AuditRecord judge(KeyResult r, Snapshot tNow, Snapshot sNow, String offset) {
        Side s = source.side(r.key(), sNow);
        return judge.judge(r, s, target.side(r.targetKey(), tNow, sNow, s), tNow.readAtMs(), offset);
    }

    private AuditRecord verify(KeyResult r, String offset, BooleanSupplier stop) throws InterruptedException {
        if (!Judge.needsLook(r)) {
            return judge.judge(r, Side.ABSENT, Side.ABSENT, System.currentTimeMillis(), offset);
        }
        long backoff = 200;
        while (true) {
            try {
                // Both looks first, hashes after: a big key takes seconds to hash, and the TTLs
                // must be compared as of the moment they were read.
                Snapshot tNow = target.read(r.targetKey());
                Snapshot sNow = source.read(r.key());
                return judge(r, tNow, sNow, offset);
            } catch (RuntimeException e) {
                // keys appear in logs only at DEBUG: they can be personal data
                LOG.warn("cannot verify {} yet ({}); retrying in {} ms", LOG.isDebugEnabled() ? r.key() : "a key",
                        RedisEndpoint.redact(e.getMessage()), backoff);
                if (stop.getAsBoolean()) {
                    return null;
                }
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
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
            producer.close(Duration.ofSeconds(5));
        }
    }
}
