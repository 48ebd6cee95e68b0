package io.keyferry.migrator;

import io.keyferry.core.model.BackupRecord;

/** Keeps a replaced key's previous value durably; returns only once it is safe to overwrite. */
@FunctionalInterface
public interface BackupSink {
    void keep(BackupRecord record);

    /** For runs that never replace (skip policy, dry run): being asked is a bug. */
    BackupSink NONE = r -> {
        throw new IllegalStateException("no backup topic for a run that does not replace keys");
    };
}
