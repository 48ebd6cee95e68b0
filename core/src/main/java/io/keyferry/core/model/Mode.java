package io.keyferry.core.model;

/** Dry-run reads both sides and writes nothing; execute writes the target. */
public enum Mode implements Wire {
    DRY_RUN("dry-run"), EXECUTE("execute");

    private final String wire;

    Mode(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static Mode of(String wire) {
        return Wire.parse(Mode.class, wire);
    }
}
