package io.keyferry.core.metrics;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;

/**
 * What the roles count, without tying them to a metrics library: the ops module backs this
 * with Prometheus, tests and metric-less runs use {@link #NONE}.
 */
public interface Metrics {
    Metrics NONE = new Metrics() {
    };

    /** Key references the scanner published. */
    default void scanned(String workspace, long references) {
    }

    /** One migrator result and how long the key took. */
    default void key(KeyResult result, long nanos) {
    }

    /** A record on the keys or results topic that cannot be read as one, sent to the dead-letter topic. */
    default void deadLetter() {
    }

    /** One verifier verdict. */
    default void verdict(AuditRecord audit) {
    }

    /** A {@code --follow} run heard a change of a key in scope (and published it); the scan's --workspace. */
    default void changeSeen(String workspace) {
    }

    /** The migrator acted on a change: wrote or deleted the key's copy; the key's own workspace. */
    default void changeCopied(String workspace) {
    }

    /** How long after a change was heard its verdict was given; the key's own workspace. */
    default void followLag(String workspace, long millis) {
    }

    /** The source's notifications were subscribed again: changes may have gone unheard. */
    default void gap(String workspace) {
    }

    /** A {@code --follow} run walks its scope again. */
    default void pass(String workspace) {
    }
}
