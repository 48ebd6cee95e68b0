package io.keyferry.core.report;

import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.util.Locale;
import java.util.Map;

/** The end-of-run numbers ops read first. */
public record Summary(String run, long scanned, Map<Status, Long> statuses, Map<SkipReason, Long> skipped,
                      Map<Verdict, Long> verdicts, long durationMs) {

    public long count(Status s) {
        return statuses.getOrDefault(s, 0L);
    }

    public long count(Verdict v) {
        return verdicts.getOrDefault(v, 0L);
    }

    public long mismatches() {
        return count(Verdict.MISMATCH);
    }

    /** Anything that makes the run exit 2: an error, a copy mismatch or a verifier mismatch. */
    public boolean failed() {
        return count(Status.ERROR) > 0 || count(Status.COPY_MISMATCH) > 0 || mismatches() > 0;
    }

    public double keysPerSecond() {
        return durationMs <= 0 ? scanned : scanned * 1000.0 / durationMs;
    }

    /** Human lines, then one machine-readable line of {@code name=value} pairs. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "run %s: %d keys in %.1f s (%.1f keys/s)%n", run, scanned,
                durationMs / 1000.0, keysPerSecond()));
        sb.append(String.format(Locale.ROOT,
                "  copied %d, already_match %d, would_copy %d, conflict_skipped %d, source_missing %d, skipped %d%s%n",
                count(Status.COPIED), count(Status.ALREADY_MATCH), count(Status.WOULD_COPY),
                count(Status.CONFLICT_SKIPPED), count(Status.SOURCE_MISSING), count(Status.SKIPPED), reasons()));
        sb.append(String.format(Locale.ROOT, "  errors %d, copy_mismatch %d, mismatches %d, source_changed %d, match %d%n",
                count(Status.ERROR), count(Status.COPY_MISMATCH), mismatches(), count(Verdict.SOURCE_CHANGED),
                count(Verdict.MATCH)));
        sb.append(line()).append(System.lineSeparator());
        return sb.toString();
    }

    public String line() {
        StringBuilder sb = new StringBuilder("summary run=").append(run).append(" scanned=").append(scanned);
        for (Status s : Status.values()) {
            sb.append(' ').append(s.wire()).append('=').append(count(s));
        }
        for (SkipReason r : SkipReason.values()) {
            sb.append(" skipped_").append(r.wire()).append('=').append(skipped.getOrDefault(r, 0L));
        }
        sb.append(" errors=").append(count(Status.ERROR));
        sb.append(" mismatches=").append(mismatches());
        for (Verdict v : Verdict.values()) {
            sb.append(" verdict_").append(v.wire()).append('=').append(count(v));
        }
        sb.append(String.format(Locale.ROOT, " duration_s=%.3f keys_per_s=%.1f", durationMs / 1000.0, keysPerSecond()));
        return sb.toString();
    }

    private String reasons() {
        if (skipped.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        skipped.forEach((r, n) -> sb.append(sb.length() > 2 ? ", " : "").append(r.wire()).append(' ').append(n));
        return sb.append(')').toString();
    }
}
