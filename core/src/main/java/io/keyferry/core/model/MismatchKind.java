package io.keyferry.core.model;

/** What kind of mismatch the verifier found. */
public enum MismatchKind implements Wire {
    MISSING, TYPE, VALUE, TTL;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static MismatchKind of(String wire) {
        return Wire.parse(MismatchKind.class, wire);
    }
}
