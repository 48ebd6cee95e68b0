package io.keyferry.ops;

import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusMetricsTest {
    @Test
    void everyCounterTheDocsAlertOnIsExportedAtZeroBeforeTheFirstEvent() {
        String scrape = new PrometheusMetrics(List.of("acme")).scrape();
        for (String ws : List.of("none", "acme")) {
            for (String series : List.of(
                    "keyferry_errors_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_scanned_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_keys_total{status=\"copied\",workspace=\"" + ws + "\"} 0.0",
                    "keyferry_keys_total{status=\"error\",workspace=\"" + ws + "\"} 0.0",
                    "keyferry_skipped_total{reason=\"no_rule\",workspace=\"" + ws + "\"} 0.0",
                    "keyferry_verdicts_total{verdict=\"mismatch\",workspace=\"" + ws + "\"} 0.0",
                    "keyferry_key_seconds_count{workspace=\"" + ws + "\"} 0",
                    "keyferry_changes_seen_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_changes_copied_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_follow_gaps_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_passes_total{workspace=\"" + ws + "\"} 0.0",
                    "keyferry_follow_lag_seconds_count{workspace=\"" + ws + "\"} 0")) {
                assertTrue(scrape.contains(series), series + " in:\n" + scrape);
            }
        }
        assertTrue(scrape.contains("keyferry_dead_letters_total{workspace=\"none\"} 0.0"), scrape);
    }

    @Test
    void aKeyCountsUnderItsOwnWorkspace() {
        PrometheusMetrics metrics = new PrometheusMetrics();
        Side side = new Side(KeyType.STRING, 1, "a".repeat(64), -1);
        metrics.key(new KeyResult("r", "a", Mode.EXECUTE, "ws-7", RedisKey.of("k"), RedisKey.of("k"), side, side, 1,
                Status.ERROR, null, "boom", 2, null), 1_000);
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("keyferry_errors_total{workspace=\"ws-7\"} 1.0"), scrape);
        assertTrue(scrape.contains("keyferry_errors_total{workspace=\"none\"} 0.0"), scrape);
    }

    @Test
    void aFollowLagIsAHistogramInSeconds() {
        PrometheusMetrics metrics = new PrometheusMetrics();
        metrics.followLag("ws-1", 250);
        metrics.followLag("ws-1", 750);
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("keyferry_follow_lag_seconds_count{workspace=\"ws-1\"} 2"), scrape);
        assertTrue(scrape.contains("keyferry_follow_lag_seconds_sum{workspace=\"ws-1\"} 1.0"), scrape);
        assertTrue(scrape.contains("keyferry_follow_lag_seconds_bucket{workspace=\"ws-1\",le=\"1.0\"} 2"), scrape);
    }
}
