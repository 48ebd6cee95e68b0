package io.keyferry.core.model;

/**
 * The first migrator of a run records how the run was started, on the progress topic, so that a
 * later command with the same --run but another mode is refused instead of silently resuming
 * (a finished dry run "resumed" as execute would write nothing). The verifier reads the conflict
 * policy from it: under replace-if-different a key whose source changed after its copy is
 * queued for one more pass.
 */
public record RunStart(String run, Mode mode, String actor, ConflictPolicy onConflict, long atMs) {
    public static String recordKey(String run) {
        return "run/" + run;
    }
}
