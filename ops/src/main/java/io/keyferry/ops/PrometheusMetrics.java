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
 * a {@code workspace} label (a scan's --workspace, or "none": bounded by the number of scanners),
 * plus JVM metrics.
 */
public final class PrometheusMetrics implements Metrics {
    private static final String NONE = "none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public PrometheusMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
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
        Counter.builder("keyferry_scanned").description("Key references the scanner published")
                .tag("workspace", ws(workspace)).register(registry).increment(references);
    }

    @Override
    public void key(KeyResult r, long nanos) {
        String ws = ws(r.workspace());
        Counter.builder("keyferry_keys").description("Keys the migrator finished, by status")
                .tag("status", r.status().wire()).tag("workspace", ws).register(registry).increment();
        if (r.reason() != null) {
            Counter.builder("keyferry_skipped").description("Keys skipped, by reason")
                    .tag("reason", r.reason().wire()).tag("workspace", ws).register(registry).increment();
        }
        if (r.status() == Status.ERROR) {
            Counter.builder("keyferry_errors").description("Keys that failed after retries")
                    .tag("workspace", ws).register(registry).increment();
        }
        Timer.builder("keyferry_key").description("Time the migrator spent on one key")
                .tag("workspace", ws).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** Dead letters have no workspace: the record they came from could not be read. */
    @Override
    public void deadLetter() {
        Counter.builder("keyferry_dead_letters").description("Records on the keys or results topic that are not key references or results, sent to <prefix>.dlq")
                .tag("workspace", NONE).register(registry).increment();
    }

    @Override
    public void verdict(AuditRecord a) {
        Counter.builder("keyferry_verdicts").description("Verifier verdicts")
                .tag("verdict", a.verdict().wire()).tag("workspace", ws(a.result().workspace()))
                .register(registry).increment();
    }

    private static String ws(String workspace) {
        return workspace == null ? NONE : workspace;
    }
}
