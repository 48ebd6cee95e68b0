package io.keyferry.core.model;

/** How values are carried: DUMP/RESTORE payloads, or type-aware reads and writes. */
public enum CopyMode implements Wire {
    DUMP, STRUCT;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static CopyMode of(String wire) {
        return Wire.parse(CopyMode.class, wire);
    }
}
