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
        }
        deadLettersCounter();
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
