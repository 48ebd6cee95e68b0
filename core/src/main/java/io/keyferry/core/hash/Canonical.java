package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The contract's canonical sha256 and size of a value.
 *
 * <p>A string hashes as sha256 of its canonical JSON when its bytes are a JSON text, else of its
 * raw bytes — so a plain string's hash is what {@code sha256sum} prints. Collections hash a type
 * tag and then their elements, each length-prefixed so that element boundaries count:
 * hash fields sorted by field, set members sorted, zset (member, score) sorted by member,
 * list items in order. Sorting is by unsigned bytes, which is what makes two servers with
 * different internal orders agree.
 *
 * <p>A stream hashes its entries in id order: per entry the id, the number of fields (as decimal
 * text) and each field name and value, all length-prefixed. Field order within an entry is kept,
 * as Redis keeps it. The last-generated id and the consumer groups are left out on purpose: they
 * are bookkeeping, not data — two streams with the same entries are the same content even if one
 * was trimmed more or read by other groups, and a target's group positions move as soon as its
 * consumers run, which must not turn a verified copy into a mismatch. The copy still carries them.
 */
public final class Canonical {
    private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

    private Canonical() {
    }

    public static Side side(KeyValue value, long ttlMs) {
        return new Side(value.type(), size(value), sha256(value), ttlMs);
    }

    public static String sha256(KeyValue value) {
        if (value instanceof KeyValue.StringValue s) {
            return hex(digest().digest(CanonicalJson.canonicalize(s.value()).orElse(s.value())));
        }
        MessageDigest md = digest();
        md.update((value.type().wire() + "\n").getBytes(StandardCharsets.US_ASCII));
        if (value instanceof KeyValue.HashValue h) {
            List<KeyValue.Field> fields = new ArrayList<>(h.fields());
            fields.sort((a, b) -> BYTES.compare(a.name(), b.name()));
            for (KeyValue.Field f : fields) {
                part(md, f.name());
                part(md, f.value());
            }
        } else if (value instanceof KeyValue.ListValue l) {
            l.items().forEach(i -> part(md, i));
        } else if (value instanceof KeyValue.SetValue s) {
            List<byte[]> members = new ArrayList<>(s.members());
            members.sort(BYTES);
            members.forEach(m -> part(md, m));
        } else if (value instanceof KeyValue.ZSetValue z) {
            List<KeyValue.Scored> members = new ArrayList<>(z.members());
            members.sort((a, b) -> BYTES.compare(a.member(), b.member()));
            for (KeyValue.Scored m : members) {
                part(md, m.member());
                part(md, score(m.score()).getBytes(StandardCharsets.US_ASCII));
            }
        } else if (value instanceof KeyValue.StreamValue st) {
            for (KeyValue.StreamEntry e : st.entries()) {
                part(md, e.id());
                part(md, Integer.toString(e.fields().size()).getBytes(StandardCharsets.US_ASCII));
                for (KeyValue.Field f : e.fields()) {
                    part(md, f.name());
                    part(md, f.value());
                }
            }
        } else {
            throw new IllegalArgumentException("no canonical form for " + value.type().wire());
        }
        return hex(md.digest());
    }

    /**
     * Bytes of the raw value; for collections the sum of their parts (a score counts as its text,
     * a stream entry as its id plus its field names and values).
     */
    public static long size(KeyValue value) {
        if (value instanceof KeyValue.StringValue s) {
            return s.value().length;
        } else if (value instanceof KeyValue.HashValue h) {
            return h.fields().stream().mapToLong(f -> f.name().length + f.value().length).sum();
        } else if (value instanceof KeyValue.ListValue l) {
            return l.items().stream().mapToLong(i -> i.length).sum();
        } else if (value instanceof KeyValue.SetValue s) {
            return s.members().stream().mapToLong(m -> m.length).sum();
        } else if (value instanceof KeyValue.ZSetValue z) {
            return z.members().stream().mapToLong(m -> m.member().length + score(m.score()).length()).sum();
        } else if (value instanceof KeyValue.StreamValue st) {
            return st.entries().stream().mapToLong(e -> e.id().length
                    + e.fields().stream().mapToLong(f -> f.name().length + f.value().length).sum()).sum();
        }
        throw new IllegalArgumentException("no size for " + value.type().wire());
    }

    /**
     * One text per score, the same on every server and every run: integers without a fraction,
     * infinities as Redis spells them, everything else as Java's shortest round-trip form.
     * Redis parses each of these back to the identical double.
     */
    public static String score(double d) {
        if (d == Double.POSITIVE_INFINITY) {
            return "inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    public static String sha256Hex(byte[] data) {
        return hex(digest().digest(data));
    }

    private static void part(MessageDigest md, byte[] b) {
        md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        md.update(b);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    /** For readers that only need to tell a type from Redis's TYPE reply. */
    public static KeyType typeOf(String redisType) {
        return switch (redisType) {
            case "string" -> KeyType.STRING;
            case "hash" -> KeyType.HASH;
            case "list" -> KeyType.LIST;
            case "set" -> KeyType.SET;
            case "zset" -> KeyType.ZSET;
            case "stream" -> KeyType.STREAM;
            default -> null;
        };
    }
}
