package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical sha256 and size of a value fed part by part, in canonical order — the one
 * definition {@link Canonical} uses for whole values and the chunked readers use for keys too big
 * to hold whole, so the two cannot disagree about a key.
 *
 * <p>The caller owns the order: hash fields, set members and sorted-set members sorted by unsigned
 * bytes with no duplicates; list items and stream entries as the server orders them.
 */
public final class CanonicalDigest {
    private final KeyType type;
    private final MessageDigest md;
    private long size;

    private CanonicalDigest(KeyType type) {
        this.type = type;
        this.md = digest();
        if (type != KeyType.STRING) {
            md.update((type.wire() + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    public static CanonicalDigest of(KeyType type) {
        return new CanonicalDigest(type);
    }

    /**
     * The next bytes of a string, hashed raw. Whether a string is hashed as canonical JSON is
     * decided by whoever holds it whole ({@link Canonical}); a string streamed here is raw.
     */
    public CanonicalDigest bytes(byte[] chunk) {
        md.update(chunk);
        size += chunk.length;
        return this;
    }

    /** A hash field. */
    public CanonicalDigest field(byte[] name, byte[] value) {
        part(name);
        part(value);
        size += name.length + value.length;
        return this;
    }

    /** A list item or a set member. */
    public CanonicalDigest element(byte[] e) {
        part(e);
        size += e.length;
        return this;
    }

    /** A sorted-set member; the score counts as its canonical text. */
    public CanonicalDigest scored(byte[] member, double score) {
        byte[] s = Canonical.score(score).getBytes(StandardCharsets.US_ASCII);
        part(member);
        part(s);
        size += member.length + s.length;
        return this;
    }

    /** A stream entry: its id, its field count, and its fields in their order. */
    public CanonicalDigest entry(byte[] id, List<KeyValue.Field> fields) {
        part(id);
        part(Integer.toString(fields.size()).getBytes(StandardCharsets.US_ASCII));
        size += id.length;
        for (KeyValue.Field f : fields) {
            part(f.name());
            part(f.value());
            size += f.name().length + f.value().length;
        }
        return this;
    }

    /** The hash (hex) and size of everything fed; the digest cannot be fed after this. */
    public Side side(long ttlMs) {
        return new Side(type, size, HexFormat.of().formatHex(md.digest()), ttlMs);
    }

    private void part(byte[] b) {
        md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        md.update(b);
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
