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

    /**
     * A stream: its entries in id order, plus the bookkeeping a copy must carry so that consumers
     * behave the same on the target — the last generated id (new ids never go backwards) and each
     * consumer group's last delivered id. Pending entries and consumers are not carried: struct
     * mode cannot recreate them portably (DUMP mode does).
     *
     * @param lastGeneratedId the stream's last-generated-id, e.g. {@code "1700000000000-3"}
     */
    record StreamValue(List<StreamEntry> entries, byte[] lastGeneratedId, List<StreamGroup> groups) implements KeyValue {
        public KeyType type() {
            return KeyType.STREAM;
        }
    }

    /** One stream entry: its id (e.g. {@code "1700000000000-0"}) and field/value pairs in order. */
    record StreamEntry(byte[] id, List<Field> fields) {
    }

    /** A consumer group by name and the id of the last entry delivered to it. */
    record StreamGroup(byte[] name, byte[] lastDeliveredId) {
    }

    record Field(byte[] name, byte[] value) {
    }

    record Scored(byte[] member, double score) {
    }
}
