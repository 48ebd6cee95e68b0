package io.keyferry.core.model;

import java.util.HashMap;
import java.util.Map;

/**
 * The first migrator of a run records how the run was started, on the progress topic, so that a
 * later command with the same --run but another mode is refused instead of silently resuming
 * (a finished dry run "resumed" as execute would write nothing). The verifier reads the conflict
 * policy from it: under replace-if-different a key whose source changed after its copy is
 * queued for one more pass.
 *
 * <p>It also records where the results, audit and backup topics ended when the run was started
 * (partition to offset): nothing of this run can lie below, because only this run's migrators
 * write its results and backups, and they start after this record. Readers of one run begin there instead of at the
 * start of topics that hold every earlier run (a dry run's million results before the execute
 * run's first one). Empty for runs recorded before these fields existed: read from the start.
 */
public record RunStart(String run, Mode mode, String actor, ConflictPolicy onConflict, long atMs,
                       Map<Integer, Long> resultsFrom, Map<Integer, Long> auditFrom, Boolean scopesWorkspaces,
                       Map<Integer, Long> backupFrom) {
    public RunStart {
        resultsFrom = Map.copyOf(resultsFrom);
        auditFrom = Map.copyOf(auditFrom);
        backupFrom = Map.copyOf(backupFrom);
    }

    public RunStart(String run, Mode mode, String actor, ConflictPolicy onConflict, long atMs,
                    Map<Integer, Long> resultsFrom, Map<Integer, Long> auditFrom) {
        this(run, mode, actor, onConflict, atMs, resultsFrom, auditFrom, null, Map.of());
    }

    public RunStart(String run, Mode mode, String actor, ConflictPolicy onConflict, long atMs) {
        this(run, mode, actor, onConflict, atMs, Map.of(), Map.of());
    }

    /**
     * As started by a migrator whose naming can ({@code scopes}) or cannot tell a key's workspace:
     * a scan with --workspace is refused for a run whose migrators could not filter by it.
     */
    public RunStart scoping(boolean scopes) {
        return new RunStart(run, mode, actor, onConflict, atMs, resultsFrom, auditFrom, scopes, backupFrom);
    }

    public static String recordKey(String run) {
        return "run/" + run;
    }

    public RunStart from(Map<Integer, Long> results, Map<Integer, Long> audit, Map<Integer, Long> backup) {
        return new RunStart(run, mode, actor, onConflict, atMs, results, audit, scopesWorkspaces, backup);
    }

    /**
     * The earlier of two records of one run start, partition by partition: two migrators that
     * start a new run at the same moment both record it, and a reader must not skip what the
     * first one wrote before the second took its offsets. A partition one of them does not
     * know is read from the start.
     */
    public RunStart earliest(RunStart other) {
        return new RunStart(run, mode, actor, onConflict, Math.min(atMs, other.atMs),
                min(resultsFrom, other.resultsFrom), min(auditFrom, other.auditFrom),
                Boolean.FALSE.equals(scopesWorkspaces) || Boolean.FALSE.equals(other.scopesWorkspaces) ? Boolean.FALSE
                        : scopesWorkspaces != null ? scopesWorkspaces : other.scopesWorkspaces,
                min(backupFrom, other.backupFrom));
    }

    private static Map<Integer, Long> min(Map<Integer, Long> a, Map<Integer, Long> b) {
        Map<Integer, Long> out = new HashMap<>();
        a.forEach((p, o) -> {
            Long other = b.get(p);
            if (other != null) {
                out.put(p, Math.min(o, other));
            }
        });
        return out;
    }
}
