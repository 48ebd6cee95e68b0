package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The latest verdict per key of one run, whatever order, restarts or replicas delivered them in:
 * the report and the summary are computed from it. A later pass of a key replaces an earlier one.
 */
public final class RunTally {
    private final String run;
    private final Map<RedisKey, AuditRecord> latest = new TreeMap<>();
    private long firstMs = Long.MAX_VALUE;
    private long lastMs = Long.MIN_VALUE;

    public RunTally(String run) {
        this.run = run;
    }

    public void add(AuditRecord a) {
        KeyResult r = a.result();
        if (!run.equals(r.run())) {
            return;
        }
        latest.merge(r.key(), a, (old, neu) -> neu.result().atMs() >= old.result().atMs() ? neu : old);
        firstMs = Math.min(firstMs, r.readAtMs() > 0 ? r.readAtMs() : r.atMs());
        lastMs = Math.max(lastMs, Math.max(r.atMs(), a.atMs()));
    }

    public Collection<AuditRecord> records() {
        return latest.values();
    }

    public int keys() {
        return latest.size();
    }

    public Summary summary() {
        Map<Status, Long> statuses = new EnumMap<>(Status.class);
        Map<SkipReason, Long> reasons = new EnumMap<>(SkipReason.class);
        Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
        for (AuditRecord a : latest.values()) {
            statuses.merge(a.result().status(), 1L, Long::sum);
            if (a.result().reason() != null) {
                reasons.merge(a.result().reason(), 1L, Long::sum);
            }
            verdicts.merge(a.verdict(), 1L, Long::sum);
        }
        long durationMs = latest.isEmpty() ? 0 : Math.max(0, lastMs - firstMs);
        return new Summary(run, latest.size(), statuses, reasons, verdicts, durationMs);
    }
}
