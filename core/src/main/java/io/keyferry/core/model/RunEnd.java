package io.keyferry.core.model;

import java.util.Objects;

/**
 * The verifier that finds a run complete records it on the progress topic: a run started again
 * with the same id then says it is finished, and since when, instead of starting its roles. The
 * audit topic stays the source of the run's numbers.
 */
public record RunEnd(String run, long atMs) {
    public RunEnd {
        Objects.requireNonNull(run, "run");
    }

    public static String recordKey(String run) {
        return "end/" + run;
    }
}
