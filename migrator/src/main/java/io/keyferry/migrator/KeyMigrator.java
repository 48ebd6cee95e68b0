package io.keyferry.migrator;

import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;

/** Does (or, in dry-run, predicts) the copy of one key. Never throws: failures are {@code error} results. */
@FunctionalInterface
public interface KeyMigrator {
    KeyResult migrate(KeyRef ref, String keyOffset);

    /**
     * A page of references from one keys-topic record, one result each, in order. One at a time
     * unless an implementation can do better (the real one sends a page's commands together).
     */
    default java.util.List<KeyResult> migrateAll(java.util.List<KeyRef> refs, String keyOffset) {
        return refs.stream().map(r -> migrate(r, keyOffset)).toList();
    }
}
