package io.keyferry.redis;

import io.keyferry.core.hash.Canonical;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What read.lua replies, made into {@link Snapshot}s and {@link DumpSnapshot}s. Apart from the
 * code that sends the scripts so that the reply layout (documented in read.lua) is read in one
 * place, and without a connection, so it can be read and tested on its own.
 */
final class Replies {
    private Replies() {
    }

    /** A read.lua reply as a snapshot; the value, if the type has one, is at {@code valueAt}. */
    static Snapshot snapshot(List<Object> reply, int valueAt, long at) {
        String type = text(reply.get(0));
        if ("none".equals(type)) {
            return Snapshot.absent(at);
        }
        KeyType t = Canonical.typeOf(type);
        long ttl = (Long) reply.get(1);
        if (reply.size() == 3 && reply.get(2) instanceof Long) {
            return new Snapshot(t, null, ttl, at, true); // big: {type, ttl, length}
        }
        if (reply.size() <= valueAt) {
            return new Snapshot(t, null, ttl, at);
        }
        return new Snapshot(t, value(t, reply.get(valueAt)), ttl, at);
    }

    /** A 'dump' reply: the snapshot, and the payload unless the key is absent or big. */
    static DumpSnapshot dumpSnapshot(List<Object> reply, long at) {
        if (reply.size() < 3 || reply.get(2) instanceof Long) {
            return new DumpSnapshot(snapshot(reply, 2, at), null);
        }
        return new DumpSnapshot(snapshot(reply, 3, at), (byte[]) reply.get(2));
    }

    /** A 'dump-only' reply as a snapshot with the value read from the payload; null if it cannot be. */
    static DumpSnapshot fromPayload(List<Object> reply, long at) {
        DumpSnapshot d = dumpSnapshot(reply, at);
        Snapshot s = d.snapshot();
        if (d.payload() == null || s.value() != null || s.big()) {
            return d; // absent, big, or a value sent anyway (a stream's)
        }
        KeyValue v = DumpPayload.value(d.payload());
        return v == null || v.type() != s.type() ? null
                : new DumpSnapshot(new Snapshot(s.type(), v, s.ttlMs(), s.readAtMs()), d.payload());
    }

    @SuppressWarnings("unchecked")
    private static KeyValue value(KeyType type, Object raw) {
        switch (type) {
            case STRING:
                return new KeyValue.StringValue((byte[]) raw);
            case HASH: {
                List<?> l = list(raw);
                List<KeyValue.Field> fields = new ArrayList<>(l.size() / 2);
                for (int i = 0; i + 1 < l.size(); i += 2) {
                    fields.add(new KeyValue.Field((byte[]) l.get(i), (byte[]) l.get(i + 1)));
                }
                return new KeyValue.HashValue(fields);
            }
            case LIST:
                return new KeyValue.ListValue(elements(raw));
            case SET:
                return new KeyValue.SetValue(elements(raw));
            case ZSET: {
                List<?> l = list(raw);
                List<KeyValue.Scored> members = new ArrayList<>(l.size() / 2);
                for (int i = 0; i + 1 < l.size(); i += 2) {
                    members.add(new KeyValue.Scored((byte[]) l.get(i), parseScore(text(l.get(i + 1)))));
                }
                return new KeyValue.ZSetValue(members);
            }
            case STREAM:
                return stream((List<Object>) raw);
            default:
                return null;
        }
    }

    /** {entries as XRANGE gives them, last-generated-id, flat {group name, last-delivered-id, ...}}. */
    @SuppressWarnings("unchecked")
    private static KeyValue.StreamValue stream(List<Object> raw) {
        List<KeyValue.StreamEntry> entries = entries((List<Object>) raw.get(0));
        List<Object> rawGroups = (List<Object>) raw.get(2);
        List<KeyValue.StreamGroup> groups = new ArrayList<>(rawGroups.size() / 2);
        for (int i = 0; i + 1 < rawGroups.size(); i += 2) {
            groups.add(new KeyValue.StreamGroup((byte[]) rawGroups.get(i), (byte[]) rawGroups.get(i + 1)));
        }
        return new KeyValue.StreamValue(entries, (byte[]) raw.get(1), groups);
    }

    /** Stream entries as XRANGE replies them, exactly: field order and repeated field names kept. */
    @SuppressWarnings("unchecked")
    static List<KeyValue.StreamEntry> entries(List<Object> xrange) {
        List<KeyValue.StreamEntry> entries = new ArrayList<>(xrange.size());
        for (Object o : xrange) {
            List<Object> e = (List<Object>) o;
            List<Object> kv = (List<Object>) e.get(1);
            List<KeyValue.Field> fields = new ArrayList<>(kv.size() / 2);
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                fields.add(new KeyValue.Field((byte[]) kv.get(i), (byte[]) kv.get(i + 1)));
            }
            entries.add(new KeyValue.StreamEntry((byte[]) e.get(0), fields));
        }
        return entries;
    }

    @SuppressWarnings("unchecked")
    private static List<byte[]> elements(Object raw) {
        if (raw instanceof byte[] packed) {
            return Packed.elements(packed);
        }
        List<Object> l = (List<Object>) raw;
        List<byte[]> out = new ArrayList<>(l.size());
        l.forEach(o -> out.add((byte[]) o));
        return out;
    }

    /** A collection's elements as read.lua replies them: packed (a string) or one reply each. */
    @SuppressWarnings("unchecked")
    private static List<?> list(Object raw) {
        return raw instanceof byte[] packed ? Packed.elements(packed) : (List<Object>) raw;
    }

    static double parseScore(String s) {
        return switch (s) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    /** A reply element as text: a bulk string as UTF-8, anything else (an integer, an error) as itself. */
    static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
