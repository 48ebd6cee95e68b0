package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;

import java.util.List;

/** A key's whole value, independent of any client library. Elements are raw bytes. */
public sealed interface KeyValue {
    KeyType type();

    /**
     * True when both hold exactly the same bytes in the same order: then they have the same
     * canonical hash, which need not be worked out twice. False says nothing (two servers may
     * list a hash's fields or a set's members in different orders).
     */
    static boolean sameBytes(KeyValue a, KeyValue b) {
        if (a == null || b == null || a.type() != b.type()) {
            return false;
        }
        if (a instanceof StringValue x && b instanceof StringValue y) {
            return java.util.Arrays.equals(x.value(), y.value());
        }
        if (a instanceof HashValue x && b instanceof HashValue y) {
            return sameList(x.fields(), y.fields(), KeyValue::sameField);
        }
        if (a instanceof ListValue x && b instanceof ListValue y) {
            return sameList(x.items(), y.items(), java.util.Arrays::equals);
        }
        if (a instanceof SetValue x && b instanceof SetValue y) {
            return sameList(x.members(), y.members(), java.util.Arrays::equals);
        }
        if (a instanceof ZSetValue x && b instanceof ZSetValue y) {
            return sameList(x.members(), y.members(),
                    (m, n) -> java.util.Arrays.equals(m.member(), n.member()) && Double.compare(m.score(), n.score()) == 0);
        }
        if (a instanceof StreamValue x && b instanceof StreamValue y) {
            return sameList(x.entries(), y.entries(),
                    (m, n) -> java.util.Arrays.equals(m.id(), n.id()) && sameList(m.fields(), n.fields(), KeyValue::sameField));
        }
        return false;
    }

    private static boolean sameField(Field f, Field g) {
        return java.util.Arrays.equals(f.name(), g.name()) && java.util.Arrays.equals(f.value(), g.value());
    }

    private static <T> boolean sameList(List<T> a, List<T> b, java.util.function.BiPredicate<T, T> same) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!same.test(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

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
