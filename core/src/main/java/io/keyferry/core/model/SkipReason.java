package io.keyferry.core.model;

/** Why a key was skipped; the report's reason column. */
public enum SkipReason implements Wire {
    INVALID, OTHER_WORKSPACE, NO_RULE, TOO_LARGE;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static SkipReason of(String wire) {
        return Wire.parse(SkipReason.class, wire);
    }
}
