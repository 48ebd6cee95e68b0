package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;

import java.util.List;

/** A key's whole value, independent of any client library. Elements are raw bytes. */
public sealed interface KeyValue {
    KeyType type();

    record StringValue(byte[] value) implements KeyValue {
        public KeyType type() {
            return KeyType.STRING;
        }
    }

    record HashValue(List<Field> fields) implements KeyValue {
        public KeyType type() {
            return KeyType.HASH;
        }
    }

    record ListValue(List<byte[]> items) implements KeyValue {
        public KeyType type() {
            return KeyType.LIST;
        }
    }

    record SetValue(List<byte[]> members) implements KeyValue {
        public KeyType type() {
            return KeyType.SET;
        }
    }

    record ZSetValue(List<Scored> members) implements KeyValue {
        public KeyType type() {
            return KeyType.ZSET;
        }
    }

    record Field(byte[] name, byte[] value) {
    }

    record Scored(byte[] member, double score) {
    }
}
