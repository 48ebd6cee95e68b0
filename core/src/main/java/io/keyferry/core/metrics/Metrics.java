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
}
