package io.keyferry.redis;

/**
 * Where a key stops travelling whole. A key over either limit is never read or written in one
 * reply or one script — that would hold it whole in the JVM (and a script's whole argument list
 * in Redis) — but in windows: hashes, sets and sorted sets by HSCAN/SSCAN/ZSCAN pages, lists by
 * LRANGE and streams by XRANGE windows, strings by GETRANGE slices. It is built on the target
 * under a temporary name in the same hash slot and renamed into place at the end, so it still
 * appears atomically.
 *
 * @param bigElements    a hash, list, set, sorted set or stream with more elements than this is big
 * @param bigStringBytes a string longer than this is big
 * @param window         elements per window (SCAN COUNT, LRANGE/XRANGE span)
 * @param stringWindow   bytes per GETRANGE slice of a big string
 */
public record Chunking(long bigElements, long bigStringBytes, int window, int stringWindow) {
    /**
     * 10,000 elements, 16 MiB strings, windows of 1,000 elements and 1 MiB: small enough that a
     * migrator at -Xmx512m never holds much more than one window (plus, to hash a big unordered
     * collection in canonical order, its member or field names), big enough that ordinary keys keep
     * the faster and fully atomic one-script path.
     */
    public static final Chunking DEFAULT = new Chunking(10_000, 16L << 20, 1_000, 1 << 20);

    public Chunking {
        if (bigElements < 1 || bigStringBytes < 1 || window < 1 || stringWindow < 1) {
            throw new IllegalArgumentException("chunking limits must be positive");
        }
    }
}
