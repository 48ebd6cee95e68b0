package io.keyferry.cli;

import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.Cutover;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.RunEnd;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
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
    private int passes;

    CutOver(KafkaClients clients, String run, Follower follower, ScanConfig scope, RedisStore source, Metrics metrics,
            int partitions, Completion completion, BooleanSupplier stop) {
        this.clients = clients;
        this.run = run;
        this.follower = follower;
        this.scope = scope;
        this.source = source;
        this.metrics = metrics;
        this.partitions = partitions;
        this.completion = completion;
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
        while (!stop.getAsBoolean()) {
            if (follower.passesWanted() > passes) {
                passes++;
                LOG.info("run {}: scan pass {} of the scope, as the source's notifications were re-subscribed", run, passes);
                scanner("pass-" + passes, scope.keys()).run(stop);
                continue;
            }
            Cutover.Request request = completion.cutover();
            if (request != null && System.currentTimeMillis() < request.deadlineMs()
                    && (completion.end() == null)) {
                cutOver(request, stop);
                return;
            }
            Thread.sleep(TICK_MS);
        }
    }

    private Scanner scanner(String id, List<RedisKey> keys) {
        ScanConfig c = new ScanConfig(run, scope.source(), keys.isEmpty() ? scope.matches() : List.of(), scope.types(), keys, 0,
                scope.batch(), scope.workspace(), scope.rps(), id);
        return new Scanner(c, source, clients, metrics).alignedTo(partitions);
    }

    private void cutOver(Cutover.Request request, BooleanSupplier stop) throws Exception {
        LOG.info("run {}: cut-over asked; waiting for {} ms without a change", run, request.quietForMs());
        while (true) {
            if (stop.getAsBoolean() || System.currentTimeMillis() >= request.deadlineMs()) {
                return;
            }
            long quietSince = Math.max(follower.lastChangeMs(), request.atMs());
            if (follower.drained() && follower.passesWanted() == passes
                    && System.currentTimeMillis() - quietSince >= request.quietForMs()) {
                break;
            }
            Thread.sleep(TICK_MS);
        }
        long quietAt = System.currentTimeMillis();
        List<RedisKey> touched = new ArrayList<>(follower.touched());
        if (!touched.isEmpty()) {
            touched.sort(null);
            scanner("cutover", touched).run(stop);
        }
        try (Admin admin = clients.admin()) {
            while (true) {
                if (stop.getAsBoolean() || System.currentTimeMillis() >= request.deadlineMs()) {
                    return;
                }
                var end = completion.resultsEndOnceMigrated(admin);
                if (end != null && completion.verifiedUpTo(admin, end)) {
                    break;
                }
                Thread.sleep(TICK_MS);
            }
        }
        long lagMs = System.currentTimeMillis() - quietAt;
        Summary s;
        try (RunTally tally = new AuditTopic(clients).tally(run)) {
            s = tally.summary();
        }
        long unmatched = s.mismatches() + s.count(Verdict.SOURCE_CHANGED) + s.count(Status.ERROR) + s.count(Status.COPY_MISMATCH);
        Cutover.Done result = new Cutover.Done(run, s.scanned(), follower.published(), unmatched, lagMs, System.currentTimeMillis());
        ProgressTopic progress = new ProgressTopic(clients);
        progress.cutover(RunEnd.recordKey(run), Json.encode(new RunEnd(run, result.atMs())));
        progress.cutover(Cutover.Done.recordKey(run), Json.encode(result));
        LOG.info("run {}: {}", run, result.line());
        done = true;
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
