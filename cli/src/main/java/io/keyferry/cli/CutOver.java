package io.keyferry.cli;

import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.Cutover;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.RunEnd;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import io.keyferry.core.report.PerKey;
import io.keyferry.core.report.RunTally;
import io.keyferry.core.report.Summary;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.producer.Follower;
import io.keyferry.producer.Scanner;
import io.keyferry.redis.RedisStore;
import io.keyferry.verifier.AuditTopic;
import io.keyferry.verifier.Completion;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The follow phase of {@code run --follow}, beside its verifier: walks the scope again whenever the
 * follower may have missed changes (a re-subscription), and carries out a cut-over asked for on
 * the progress topic ({@link Cutover.Request}): once no change has come for the quiet time, every
 * key the follow phase touched is published once more (the final pass) and the run waits until
 * every reference has its verdict; then the trail's latest verdicts say whether the target is the
 * scope's image, recorded as {@link Cutover.Done}, and the run is over.
 */
final class CutOver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CutOver.class);
    private static final long TICK_MS = 100;

    private final KafkaClients clients;
    private final String run;
    private final Follower follower;
    private final ScanConfig scope;
    private final RedisStore source;
    private final Metrics metrics;
    private final int partitions;
    private final Completion completion;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean done;
    private volatile boolean closed;
    private final Thread thread;
    /** Why the scope must be walked again, not yet acted on. */
    private final java.util.Queue<String> reasons = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final boolean resumed;
    private int heard;
    private volatile boolean walking;

    /**
     * @param resumed the run followed before this process (it was stopped or killed): what changed
     *                while it was down was not heard, so the scope is walked again first
     */
    CutOver(KafkaClients clients, String run, Follower follower, ScanConfig scope, RedisStore source, Metrics metrics,
            int partitions, Completion completion, boolean resumed, BooleanSupplier stop) {
        this.clients = clients;
        this.run = run;
        this.follower = follower;
        this.scope = scope;
        this.source = source;
        this.metrics = metrics;
        this.partitions = partitions;
        this.completion = completion;
        this.resumed = resumed;
        if (resumed) {
            reasons.add("the run was started again: changes made while it was not running were not heard");
        }
        this.thread = new Thread(() -> {
            try {
                watch(() -> closed || stop.getAsBoolean());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "keyferry-cutover-" + run);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the run has been cut over. */
    boolean done() {
        return done;
    }

    Throwable failure() {
        return failure.get();
    }

    private void watch(BooleanSupplier stop) throws Exception {
        if (resumed) {
            closeAbandoned();
        }
        while (!stop.getAsBoolean()) {
            if (walkIfWanted(stop)) {
                continue;
            }
            Cutover.Request request = completion.cutover();
            if (request != null && System.currentTimeMillis() < request.deadlineMs() && completion.end() == null) {
                cutOver(request, stop);
                return;
            }
            Thread.sleep(TICK_MS);
        }
    }

    /** Walks the scope if a re-subscription (or a restart) asks for it; whether it did. */
    private boolean walkIfWanted(BooleanSupplier stop) {
        for (int wanted = follower.passesWanted(); heard < wanted; heard++) {
            reasons.add("the source's notifications were subscribed again (a reconnect): changes made meanwhile may "
                    + "not have been heard");
        }
        if (reasons.isEmpty()) {
            return false;
        }
        walk(stop);
        return true;
    }

    /** Whether a scan pass is wanted or under way. */
    boolean walking() {
        return walking || !reasons.isEmpty() || heard < follower.passesWanted();
    }

    /** One pass for every reason gathered so far, recorded on the audit trail before it starts. */
    private void walk(BooleanSupplier stop) {
        walking = true;
        try {
            List<String> why = new ArrayList<>();
            for (String r; (r = reasons.poll()) != null; ) {
                if (!why.contains(r)) {
                    why.add(r);
                }
            }
            long earlier = completion.scanners().keySet().stream().filter(id -> id.matches(PASS + "\\d+")).count();
            String id = PASS + (earlier + 1);
            new AuditTopic(clients).pass(new io.keyferry.core.model.PassRecord(run, id, String.join("; ", why),
                    System.currentTimeMillis()));
            LOG.info("run {}: scan pass {} of the scope: {}", run, id, String.join("; ", why));
            metrics.pass(scope.workspace());
            scanner(id, scope.keys()).run(stop);
            // A walk finds the keys there are, not the ones deleted meanwhile: every key the run
            // has written a copy of is looked at too, so a copy whose source went is deleted.
            List<RedisKey> written = written(stop);
            if (!written.isEmpty()) {
                scanner(id + "-written", written).run(stop);
            }
        } finally {
            walking = false;
        }
    }

    /**
     * The run's keys whose latest result says the target holds the run's copy, from the results
     * topic. Each key's latest result is kept as one byte, on disk past a bound ({@link PerKey});
     * the list handed to the pass holds the keys themselves.
     */
    private List<RedisKey> written(BooleanSupplier stop) {
        List<RedisKey> out = new ArrayList<>();
        try (PerKey latest = new PerKey(PerKey.Keep.LAST)) {
            io.keyferry.kafka.TopicReader.read(clients, io.keyferry.kafka.Topics.RESULTS, completion.resultsFrom(), r -> {
                if (r.value() == null || !run.equals(Json.runOf(r.value()))) {
                    return;
                }
                try {
                    io.keyferry.core.model.KeyResult k = Json.decodeResult(r.value());
                    boolean holds = k.status().claimsTarget() && k.status() != Status.DELETED;
                    latest.add(k.key().unsafeBytes(), k.atMs(), holds ? HOLDS : NOT);
                } catch (io.keyferry.core.json.BadRecordException e) {
                    // not a result: the verifier sends it to the dead-letter topic
                }
            }, false, stop);
            latest.entries().forEachRemaining(e -> {
                if (e.value()[0] == 1) {
                    out.add(RedisKey.of(e.key()));
                }
            });
        }
        return out;
    }

    private static final byte[] HOLDS = {1};
    private static final byte[] NOT = {0};

    /**
     * The passes (and a cut-over's last look) a stopped process left unfinished: their references
     * are on the keys topic up to where they stopped, and the pass this start walks covers the
     * rest, so they are recorded as done, or the run could never be complete.
     */
    private void closeAbandoned() {
        ProgressTopic progress = new ProgressTopic(clients);
        try (var producer = clients.producer("keyferry-follow-" + run)) {
            for (io.keyferry.core.model.ScanProgress s : completion.scanners().values()) {
                if (!s.done() && (s.scanner().startsWith(PASS) || s.scanner().startsWith(CUTOVER))) {
                    progress.write(producer, new io.keyferry.core.model.ScanProgress(s.run(), s.scanner(), s.workspace(),
                            s.cursors(), s.published(), true, s.lastOffsets(), System.currentTimeMillis(), s.keysFrom()));
                    LOG.info("run {}: {} was left unfinished by a stopped process; the new pass covers it", run, s.scanner());
                }
            }
        }
    }

    private static final String PASS = "pass-";
    private static final String CUTOVER = "cutover-";

    private Scanner scanner(String id, List<RedisKey> keys) {
        ScanConfig c = new ScanConfig(run, scope.source(), keys.isEmpty() ? scope.matches() : List.of(), scope.types(), keys, 0,
                scope.batch(), scope.workspace(), scope.rps(), id);
        return new Scanner(c, source, clients, metrics).alignedTo(partitions);
    }

    private void cutOver(Cutover.Request request, BooleanSupplier stop) throws Exception {
        LOG.info("run {}: cut-over asked; waiting for {} ms without a change", run, request.quietForMs());
        long quietAt = 0;
        long lookFrom = 0;
        for (int round = 1; ; round++) {
            if (!awaitQuiet(request, stop)) {
                return;
            }
            long lookAt = System.currentTimeMillis();
            if (quietAt == 0) {
                quietAt = lookAt;
            }
            // every key the follow phase touched; in later rounds, those touched since the last look
            List<RedisKey> keys = new ArrayList<>(round == 1 ? follower.touched() : follower.touchedSince(lookFrom));
            lookFrom = lookAt;
            if (!keys.isEmpty()) {
                keys.sort(null);
                scanner(CUTOVER + request.atMs() + "-" + round, keys).run(stop);
            }
            if (!awaitComplete(request, stop)) {
                return;
            }
            if (follower.lastChangeMs() < lookAt) {
                break;
            }
            // keys that expired meanwhile (their TTLs ran out after the writes stopped): look at those too
            LOG.info("run {}: changes came during the cut-over's look; looking at those keys again", run);
        }
        long lagMs = System.currentTimeMillis() - quietAt;
        Summary s;
        try (RunTally tally = new AuditTopic(clients).tally(run)) {
            s = tally.summary();
        }
        // Not the image: a verdict other than a match on a key the run wrote, a key it could not
        // copy, a target key it left alone because it held something else, and in a dry run
        // every key execute would still have to write or delete.
        long unmatched = s.mismatches() + s.count(Verdict.SOURCE_CHANGED) + s.count(Status.ERROR) + s.count(Status.COPY_MISMATCH)
                + s.count(Status.CONFLICT_SKIPPED) + s.count(Status.WOULD_COPY) + s.count(Status.WOULD_UPDATE)
                + s.count(Status.WOULD_DELETE);
        Cutover.Done result = new Cutover.Done(run, s.scanned(), follower.published(), unmatched, lagMs, System.currentTimeMillis());
        ProgressTopic progress = new ProgressTopic(clients);
        progress.cutover(RunEnd.recordKey(run), Json.encode(new RunEnd(run, result.atMs())));
        progress.cutover(Cutover.Done.recordKey(run), Json.encode(result));
        LOG.info("run {}: {}", run, result.line());
        done = true;
    }

    /** Until the follower has heard nothing for the quiet time, walking the scope first if it must; false when given up. */
    private boolean awaitQuiet(Cutover.Request request, BooleanSupplier stop) throws InterruptedException {
        while (true) {
            if (stop.getAsBoolean() || System.currentTimeMillis() >= request.deadlineMs()) {
                return false;
            }
            if (walkIfWanted(stop)) {
                continue;
            }
            long quietSince = Math.max(follower.lastChangeMs(), request.atMs());
            if (follower.drained() && System.currentTimeMillis() - quietSince >= request.quietForMs()) {
                return true;
            }
            Thread.sleep(TICK_MS);
        }
    }

    /** Until every reference on the keys topic so far has its result and every result its verdict; false when given up. */
    private boolean awaitComplete(Cutover.Request request, BooleanSupplier stop) throws Exception {
        try (Admin admin = clients.admin()) {
            while (true) {
                if (stop.getAsBoolean() || System.currentTimeMillis() >= request.deadlineMs()) {
                    return false;
                }
                var end = completion.resultsEndOnceMigrated(admin);
                if (end != null && completion.verifiedUpTo(admin, end)) {
                    return true;
                }
                Thread.sleep(TICK_MS);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
