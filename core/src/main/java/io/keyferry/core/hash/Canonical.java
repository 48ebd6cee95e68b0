package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;

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
    private static final int FINGERPRINT_HEX = 32;

    private Canonical() {
    }

    /** Size, canonical hash and {@link #fingerprint} of a value. */
    public static Side side(KeyValue value, long ttlMs) {
        if (value instanceof KeyValue.StringValue s) {
            java.util.Optional<byte[]> json = CanonicalJson.canonicalize(s.value());
            String sha = sha256Hex(json.orElse(s.value()));
            // a plain string's canonical bytes are its raw bytes: its fingerprint comes free
            String fingerprint = json.isPresent() ? fingerprint(value) : sha.substring(0, FINGERPRINT_HEX);
            return new Side(KeyType.STRING, s.value().length, sha, ttlMs, fingerprint);
        }
        Side canonical = digest(value, true).side(ttlMs);
        boolean sameOrder = value instanceof KeyValue.ListValue || value instanceof KeyValue.StreamValue;
        return new Side(canonical.type(), canonical.size(), canonical.sha256(), ttlMs,
                sameOrder ? canonical.sha256().substring(0, FINGERPRINT_HEX) : fingerprint(value));
    }

    /**
     * A fingerprint of a value's exact bytes in the order they were read: sha256 of a string's
     * raw bytes, of a collection's type tag and its parts length-prefixed as they came (hex, 128
     * bits). No JSON is parsed and nothing sorted, so it is much cheaper than the canonical hash:
     * the verifier uses it to tell that a source still holds exactly the bytes that were copied.
     * Equal fingerprints mean equal values; unequal ones prove nothing (a set's members come in
     * each server's own order, JSON may be spelled differently).
     */
    public static String fingerprint(KeyValue value) {
        if (value instanceof KeyValue.StringValue s) {
            return sha256Hex(s.value()).substring(0, FINGERPRINT_HEX);
        }
        return digest(value, false).side(-1).sha256().substring(0, FINGERPRINT_HEX);
    }

    public static String sha256(KeyValue value) {
        return side(value, -1).sha256();
    }

    /**
     * Bytes of the raw value; for collections the sum of their parts (a score counts as its text,
     * a stream entry as its id plus its field names and values).
     */
    public static long size(KeyValue value) {
        return side(value, -1).size();
    }

    /**
     * A whole collection fed to a digest: in canonical order (hash fields, set members and zset
     * members sorted), or, for a {@link #fingerprint}, in the order read.
     */
    private static CanonicalDigest digest(KeyValue value, boolean canonicalOrder) {
        CanonicalDigest d = CanonicalDigest.of(value.type());
        if (value instanceof KeyValue.HashValue h) {
            List<KeyValue.Field> fields = h.fields();
            if (canonicalOrder) {
                fields = new ArrayList<>(fields);
                fields.sort((x, y) -> BYTES.compare(x.name(), y.name()));
            }
            fields.forEach(f -> d.field(f.name(), f.value()));
        } else if (value instanceof KeyValue.ListValue l) {
            l.items().forEach(d::element);
        } else if (value instanceof KeyValue.SetValue s) {
            List<byte[]> members = s.members();
            if (canonicalOrder) {
                members = new ArrayList<>(members);
                members.sort(BYTES);
            }
            members.forEach(d::element);
        } else if (value instanceof KeyValue.ZSetValue z) {
            List<KeyValue.Scored> members = z.members();
            if (canonicalOrder) {
                members = new ArrayList<>(members);
                members.sort((x, y) -> BYTES.compare(x.member(), y.member()));
            }
            members.forEach(m -> d.scored(m.member(), m.score()));
        } else if (value instanceof KeyValue.StreamValue st) {
            st.entries().forEach(e -> d.entry(e.id(), e.fields()));
        } else {
            throw new IllegalArgumentException("no canonical form for " + value.type().wire());
        }
        return d;
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
        return hex(CanonicalDigest.digest().digest(data));
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
