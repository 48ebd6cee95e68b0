package io.keyferry.core.model;

/** The Redis value types keyferry understands. */
public enum KeyType implements Wire {
    STRING, HASH, LIST, SET, ZSET, STREAM;

    @Override
    public String wire() {
        return Wire.lower(this);
    }

    public static KeyType of(String wire) {
        return Wire.parse(KeyType.class, wire);
    }
}
