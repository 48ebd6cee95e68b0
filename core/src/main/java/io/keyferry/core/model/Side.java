package io.keyferry.core.model;

/**
 * What was seen of one key on one side (source or target) at one moment.
 *
 * @param type   the Redis type, or null when the key did not exist
 * @param size   bytes of the raw value (sum of parts for collections); -1 when absent
 * @param sha256 canonical hash (hex), or null when absent
 * @param ttlMs  remaining time to live in ms; -1 for a persistent key, -2 when absent
 * @param digest a fingerprint of the value's exact bytes as read ({@link io.keyferry.core.hash.Canonical#fingerprint}),
 *               or null: equal fingerprints mean equal values; unequal ones prove nothing
 */
public record Side(KeyType type, long size, String sha256, long ttlMs, String digest) {
    public static final Side ABSENT = new Side(null, -1, null, -2);

    public Side(KeyType type, long size, String sha256, long ttlMs) {
        this(type, size, sha256, ttlMs, null);
    }

    /** This content as a later look found it, with that look's TTL. */
    public Side seenAs(long ttl) {
        return new Side(type, size, sha256, ttl, digest);
    }

    public boolean exists() {
        return type != null;
    }

    /** Same type and same canonical content: TTL is not part of content. */
    public boolean sameContentAs(Side other) {
        return exists() && other.exists() && type == other.type && sha256.equals(other.sha256);
    }
}
