package io.keyferry.ops;

import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;

/**
 * The contract's metrics: {@code keyferry_scanned_total}, {@code keyferry_keys_total{status}},
 * {@code keyferry_skipped_total{reason}}, {@code keyferry_errors_total},
 * {@code keyferry_verdicts_total{verdict}} and the {@code keyferry_key_seconds} histogram, each with
 * a {@code workspace} label: the key's own workspace (its {workspace_id}, captured or derived), or
 * "none" where nothing names it; {@code keyferry_scanned_total}'s is the scan's --workspace, as the
 * scanner does not know a key's own. Plus JVM metrics.
 *
 * <p>Every counter exists from the start, at 0, for the workspaces the role knows of then: an alert
 * on {@code rate(keyferry_errors_total[5m])} must see a series before the first error.
 */
public final class PrometheusMetrics implements Metrics {
    private static final String NONE = "none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public PrometheusMetrics() {
        this(java.util.List.of());
    }

    /** @param workspaces the workspaces known at start-up (a scan's --workspace): their series start at 0 too */
    public PrometheusMetrics(java.util.Collection<String> workspaces) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
        java.util.Set<String> all = new java.util.LinkedHashSet<>();
        all.add(NONE);
        all.addAll(workspaces);
        for (String ws : all) {
            scannedCounter(ws);
            for (Status s : Status.values()) {
                keysCounter(s, ws);
            }
            for (io.keyferry.core.model.SkipReason r : io.keyferry.core.model.SkipReason.values()) {
                skippedCounter(r, ws);
            }
            errorsCounter(ws);
            keyTimer(ws);
            for (io.keyferry.core.model.Verdict v : io.keyferry.core.model.Verdict.values()) {
                verdictsCounter(v, ws);
            }
            changesSeen(ws);
            changesCopied(ws);
            followLag(ws);
            gaps(ws);
            passes(ws);
        }
        deadLettersCounter();
    }

    private Counter changesSeen(String ws) {
        return Counter.builder("keyferry_changes_seen").description("Changes of keys in scope a --follow run heard")
                .tag("workspace", ws).register(registry);
    }

    private Counter changesCopied(String ws) {
        return Counter.builder("keyferry_changes_copied")
                .description("Changes a --follow run's migrator acted on (the key's copy written or deleted)")
                .tag("workspace", ws).register(registry);
    }

    private Timer followLag(String ws) {
        return Timer.builder("keyferry_follow_lag").description("From a change heard on the source to its verdict")
                .tag("workspace", ws).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                // round buckets too, for alerts on the target "p99 under a second"
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))
                .register(registry);
    }

    private Counter gaps(String ws) {
        return Counter.builder("keyferry_follow_gaps")
                .description("Times a --follow run's subscription to the source's notifications was made again")
                .tag("workspace", ws).register(registry);
    }

    private Counter passes(String ws) {
        return Counter.builder("keyferry_passes").description("Scan passes of a --follow run's scope after the snapshot")
                .tag("workspace", ws).register(registry);
    }

    @Override
    public void changeSeen(String workspace) {
        changesSeen(ws(workspace)).increment();
    }

    @Override
    public void changeCopied(String workspace) {
        changesCopied(ws(workspace)).increment();
    }

    @Override
    public void followLag(String workspace, long millis) {
        followLag(ws(workspace)).record(Duration.ofMillis(Math.max(0, millis)));
    }

    @Override
    public void gap(String workspace) {
        gaps(ws(workspace)).increment();
    }

    @Override
    public void pass(String workspace) {
        passes(ws(workspace)).increment();
    }

    private Counter scannedCounter(String ws) {
        return Counter.builder("keyferry_scanned").description("Key references the scanner published")
                .tag("workspace", ws).register(registry);
    }

    private Counter keysCounter(Status status, String ws) {
        return Counter.builder("keyferry_keys").description("Keys the migrator finished, by status")
                .tag("status", status.wire()).tag("workspace", ws).register(registry);
    }

    private Counter skippedCounter(io.keyferry.core.model.SkipReason reason, String ws) {
        return Counter.builder("keyferry_skipped").description("Keys skipped, by reason")
                .tag("reason", reason.wire()).tag("workspace", ws).register(registry);
    }

    private Counter errorsCounter(String ws) {
        return Counter.builder("keyferry_errors").description("Keys that failed after retries")
                .tag("workspace", ws).register(registry);
    }

    private Timer keyTimer(String ws) {
        return Timer.builder("keyferry_key").description("Time the migrator spent on one key")
                .tag("workspace", ws).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    private Counter verdictsCounter(io.keyferry.core.model.Verdict verdict, String ws) {
        return Counter.builder("keyferry_verdicts").description("Verifier verdicts")
                .tag("verdict", verdict.wire()).tag("workspace", ws).register(registry);
    }

    private Counter deadLettersCounter() {
        return Counter.builder("keyferry_dead_letters").description("Records on the keys or results topic that are not key references or results, sent to <prefix>.dlq")
                .tag("workspace", NONE).register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void scanned(String workspace, long references) {
        scannedCounter(ws(workspace)).increment(references);
    }

    @Override
    public void key(KeyResult r, long nanos) {
        String ws = ws(r.workspace());
        keysCounter(r.status(), ws).increment();
        if (r.reason() != null) {
            skippedCounter(r.reason(), ws).increment();
        }
        if (r.status() == Status.ERROR) {
            errorsCounter(ws).increment();
        }
        keyTimer(ws).record(Duration.ofNanos(nanos));
    }

    /** Dead letters have no workspace: the record they came from could not be read. */
    @Override
    public void deadLetter() {
        deadLettersCounter().increment();
    }

    @Override
    public void verdict(AuditRecord a) {
        verdictsCounter(a.verdict(), ws(a.result().workspace())).increment();
    }

    private static String ws(String workspace) {
        return workspace == null ? NONE : workspace;
    }
}
