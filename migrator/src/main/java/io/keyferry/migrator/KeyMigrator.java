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

    /**
     * One reference of a {@code --follow} run: as {@link #migrate}, except that a target key the
     * run owns ({@link Owned}) follows its source, and what the key's result leaves on the target
     * is recorded as owned (or no longer). The plain form: the status decides what is owned.
     */
    default KeyResult follow(KeyRef ref, String keyOffset, Owned owned) {
        KeyResult r = migrate(ref, keyOffset);
        Owned.record(owned, ref, r, owned.get(ref.key()) != null);
        return r;
    }
}
