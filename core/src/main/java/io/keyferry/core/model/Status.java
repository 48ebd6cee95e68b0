package io.keyferry.core.model;

/**
 * Per-key outcome of the migrator; the report's status column. The last four come only from a
 * {@code --follow} run, for a target key the run wrote: rewritten after its source changed,
 * deleted after its source went, or what a dry run says execute would do.
 */
public enum Status implements Wire {
    COPIED, COPY_MISMATCH, ALREADY_MATCH, WOULD_COPY, CONFLICT_SKIPPED, SOURCE_MISSING, SKIPPED, ERROR,
    UPDATED, DELETED, WOULD_UPDATE, WOULD_DELETE;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static Status of(String wire) {
        return Wire.parse(Status.class, wire);
    }

    /** Whether a result of this status says the run changed its target key: wrote it, or deleted it following its source. */
    public boolean changedTarget() {
        return this == COPIED || this == UPDATED || this == DELETED;
    }

    /** Whether a result of this status claims something of its target key, and so must name one. */
    public boolean claimsTarget() {
        return this == COPIED || this == ALREADY_MATCH || this == COPY_MISMATCH || this == UPDATED || this == DELETED;
    }
}
