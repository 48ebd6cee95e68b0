package io.keyferry.core.model;

/** The verifier's verdict on one result. */
public enum Verdict implements Wire {
    MATCH, MISMATCH, SOURCE_CHANGED, NOT_APPLICABLE;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static Verdict of(String wire) {
        return Wire.parse(Verdict.class, wire);
    }
}
