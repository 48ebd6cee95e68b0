package io.keyferry.core.model;

import java.util.Objects;

/**
 * A {@code --follow} run walks its scope again: on the audit topic beside the run's verdicts, so
 * the trail says when and why (changes may have gone unheard while the source's notifications
 * were not subscribed).
 *
 * @param scanner the pass's scanner id ({@code pass-N})
 * @param reason  why, in words for ops
 */
public record PassRecord(String run, String scanner, String reason, long atMs) {
    public PassRecord {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(scanner, "scanner");
        Objects.requireNonNull(reason, "reason");
    }
}
