package io.keyferry.core.report;

/**
 * A 64-bit hash of a key's bytes, for sets of millions of keys kept as sorted numbers instead of
 * the keys themselves (8 bytes a key). Two keys share a hash with a chance of about n²/2⁶⁵: for
 * ten million keys, one in three million.
 */
public final class KeyHash {
    private KeyHash() {
    }

    /** FNV-1a over the key, then MurmurHash3's finaliser to spread it over all 64 bits. */
    public static long of(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ h >>> 33;
    }
}
