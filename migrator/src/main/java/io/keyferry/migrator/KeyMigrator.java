package io.keyferry.migrator;

import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;

/** Does (or, in dry-run, predicts) the copy of one key. Never throws: failures are {@code error} results. */
@FunctionalInterface
public interface KeyMigrator {
    KeyResult migrate(KeyRef ref, String keyOffset);
}
