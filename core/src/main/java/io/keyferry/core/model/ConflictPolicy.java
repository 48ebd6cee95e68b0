package io.keyferry.core.model;

/** What the migrator does when the target key already exists. */
public enum ConflictPolicy implements Wire {
    /** Never touch an existing target key. */
    SKIP("skip"),
    /** Overwrite when the target's canonical hash differs (previous value kept on the backup topic). */
    REPLACE_IF_DIFFERENT("replace-if-different");

    private final String wire;

    ConflictPolicy(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static ConflictPolicy of(String wire) {
        return Wire.parse(ConflictPolicy.class, wire);
    }
}
