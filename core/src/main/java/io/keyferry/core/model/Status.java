package io.keyferry.core.model;

/** Per-key outcome of the migrator; the report's status column. */
public enum Status implements Wire {
    COPIED, COPY_MISMATCH, ALREADY_MATCH, WOULD_COPY, CONFLICT_SKIPPED, SOURCE_MISSING, SKIPPED, ERROR;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static Status of(String wire) {
        return Wire.parse(Status.class, wire);
    }

    /** Whether a result of this status claims something of its target key, and so must name one. */
    public boolean claimsTarget() {
        return this == COPIED || this == ALREADY_MATCH || this == COPY_MISMATCH;
    }
}
