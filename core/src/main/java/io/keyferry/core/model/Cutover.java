package io.keyferry.core.model;

import java.util.Objects;

/** The cut-over of a {@code --follow} run, as its two records on the progress topic say it. */
public final class Cutover {
    private Cutover() {
    }

    /**
     * {@code keyferry cutover} asks the run's follower to cut over: once no change has come for
     * {@code quietForMs} and every change has a verdict, look at every key the follow phase touched
     * once more, and stop. A request past its deadline is not acted on.
     */
    public record Request(String run, long quietForMs, long deadlineMs, long atMs) {
        public Request {
            Objects.requireNonNull(run, "run");
        }

        public static String recordKey(String run) {
            return "cutover/" + run;
        }
    }

    /**
     * What the cut-over found: the keys of the run, the changes followed, the keys whose last
     * verdict is not a match, and how long after the last change every change had its verdict.
     */
    public record Done(String run, long keys, long changes, long mismatches, long lagMs, long atMs) {
        public Done {
            Objects.requireNonNull(run, "run");
        }

        public static String recordKey(String run) {
            return "cutover-done/" + run;
        }

        /** The target is the source scope's image: nothing left unmatched. */
        public boolean image() {
            return mismatches == 0;
        }

        /** The line {@code keyferry cutover} prints last. */
        public String line() {
            return "cutover run=" + run + " keys=" + keys + " changes=" + changes + " mismatches=" + mismatches + " lag_ms=" + lagMs;
        }
    }
}
