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

    /**
     * A page of a {@code --follow} run: the keys it owns one by one ({@link #follow}); the others
     * together, as a snapshot page ({@link #migrateAll}), each then recorded as owned if the run
     * wrote it. Results in the page's order.
     */
    default java.util.List<KeyResult> followAll(java.util.List<KeyRef> refs, String keyOffset, Owned owned) {
        java.util.List<KeyRef> fresh = new java.util.ArrayList<>();
        java.util.Map<KeyRef, KeyResult> out = new java.util.IdentityHashMap<>();
        for (KeyRef ref : refs) {
            if (owned.get(ref.key()) != null) {
                out.put(ref, follow(ref, keyOffset, owned));
            } else {
                fresh.add(ref);
            }
        }
        java.util.List<KeyResult> results = copyFresh(fresh, keyOffset, owned);
        for (int i = 0; i < fresh.size(); i++) {
            out.put(fresh.get(i), results.get(i));
        }
        return refs.stream().map(out::get).toList();
    }

    /**
     * The keys of a follow run's page that the run does not own, as a snapshot page
     * ({@link #migrateAll}, then {@link #checkFresh}), each recorded as owned if the run wrote it.
     */
    default java.util.List<KeyResult> copyFresh(java.util.List<KeyRef> fresh, String keyOffset, Owned owned) {
        if (fresh.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<KeyResult> results = checkFresh(migrateAll(fresh, keyOffset));
        for (int i = 0; i < fresh.size(); i++) {
            Owned.record(owned, fresh.get(i), results.get(i), false);
        }
        return results;
    }

    /** What a follow run makes of the results of keys it does not own; as they are unless an implementation looks further. */
    default java.util.List<KeyResult> checkFresh(java.util.List<KeyResult> results) {
        return results;
    }
}
