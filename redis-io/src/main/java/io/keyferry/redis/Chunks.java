package io.keyferry.redis;

import io.keyferry.core.hash.CanonicalDigest;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScoredValueScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Big keys (see {@link Chunking}) read, hashed and copied window by window, never whole.
 *
 * <p>Unlike the one-script path, reading in windows is not one atomic snapshot: an application
 * writing the key meanwhile can make the copy differ from the source, which the read-back and the
 * verifier then report. Hashing a hash, set or sorted set needs its elements in canonical order,
 * so their names (for a hash: field names only, values are fetched again in that order) are held
 * and sorted — the one thing here that grows with the key.
 */
final class Chunks {
    /** A temporary key left by a crashed copy expires by itself after this long. */
    static final long TEMP_TTL_MS = Duration.ofHours(1).toMillis();
    private static final ByteArrayCodec CODEC = ByteArrayCodec.INSTANCE;
    private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final RedisClusterAsyncCommands<byte[], byte[]> async;
    private final Chunking limits;
    /** For a stream's metadata, and the move into place (stream-meta.lua, stream-finish.lua, promote.lua). */
    private final Scripts scripts;
    /** For the absolute expiry the move into place sets. */
    private final ServerClock clock;

    Chunks(RedisClusterCommands<byte[], byte[]> redis, RedisClusterAsyncCommands<byte[], byte[]> async, Chunking limits,
           Scripts scripts, ServerClock clock) {
        this.redis = redis;
        this.async = async;
        this.limits = limits;
        this.scripts = scripts;
        this.clock = clock;
    }

    /** Size and canonical hash of a big key, read in windows. */
    Side side(byte[] key, KeyType type, long ttlMs) {
        CanonicalDigest d = CanonicalDigest.of(type);
        switch (type) {
            case STRING -> slices(key, d::bytes);
            case LIST -> listWindows(key, items -> items.forEach(d::element));
            case STREAM -> streamWindows(key, entries -> entries.forEach(e -> d.entry(e.id(), e.fields())));
            case SET -> {
                List<byte[]> members = new ArrayList<>();
                setPages(key, members::addAll);
                sortedUnique(members, BYTES).forEach(d::element);
            }
            case ZSET -> {
                List<ScoredValue<byte[]>> members = new ArrayList<>();
                zsetPages(key, members::addAll);
                sortedUnique(members, (a, b) -> BYTES.compare(a.getValue(), b.getValue()))
                        .forEach(m -> d.scored(m.getValue(), m.getScore()));
            }
            case HASH -> {
                List<byte[]> names = new ArrayList<>();
                hashPages(key, page -> names.addAll(page.keySet()));
                List<byte[]> sorted = sortedUnique(names, BYTES);
                for (int i = 0; i < sorted.size(); i += limits.window()) {
                    byte[][] window = sorted.subList(i, Math.min(i + limits.window(), sorted.size())).toArray(new byte[0][]);
                    for (io.lettuce.core.KeyValue<byte[], byte[]> f : redis.hmget(key, window)) {
                        if (f.hasValue()) { // a field deleted since the scan is no longer part of the value
                            d.field(f.getKey(), f.getValue());
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no chunked form for " + type.wire());
        }
        return d.side(ttlMs);
    }

    /**
     * Copies the big key {@code key}, read as {@code src}, of this store into {@code to} (see
     * {@link #copy(byte[], KeyType, Chunks, byte[], byte[], LongSupplier)}), its TTL aged to the
     * moment of the move into place, not of the read: a big copy takes a while.
     *
     * @param expected null: the target must be absent; else the DUMP payload it must still hold (a replace)
     * @throws IllegalArgumentException when {@code src} is not big: such a key is copied whole
     */
    boolean copy(RedisKey key, Snapshot src, Chunks to, RedisKey targetKey, byte[] expected) {
        if (!src.big()) {
            throw new IllegalArgumentException("not a big key: copy it whole");
        }
        LongSupplier ttl = () -> src.ttlMs() < 0 ? -1 : Math.max(1, src.ttlLeftAt(System.currentTimeMillis()));
        return copy(key.unsafeBytes(), src.type(), to, targetKey.unsafeBytes(), expected == null ? Scripts.ABSENT : expected, ttl);
    }

    /**
     * Copies a big key of this store into {@code to}: built window by window under a temporary
     * name in {@code targetKey}'s hash slot, then moved into place atomically if the target is
     * still as expected (absent, or the value whose DUMP payload is {@code expected}).
     *
     * @param ttlMs the TTL to give it at the moment it is moved into place ({@code <= 0}: persistent)
     *
     * @return false when the target was not as expected: it is untouched and the temporary key gone
     */
    private boolean copy(byte[] key, KeyType type, Chunks to, byte[] targetKey, byte[] expected, LongSupplier ttlMs) {
        byte[] temp = tempName(targetKey);
        try {
            switch (type) {
                case STRING -> {
                    boolean[] first = {true};
                    slices(key, slice -> {
                        if (first[0]) {
                            to.redis.set(temp, slice, SetArgs.Builder.px(TEMP_TTL_MS));
                            first[0] = false;
                        } else {
                            to.redis.append(temp, slice);
                        }
                    });
                }
                case LIST -> listWindows(key, items -> to.guarded(temp, () -> to.redis.rpush(temp, items.toArray(new byte[0][]))));
                case SET -> setPages(key, page -> to.guarded(temp, () -> to.redis.sadd(temp, page.toArray(new byte[0][]))));
                case HASH -> hashPages(key, page -> to.guarded(temp, () -> to.redis.hset(temp, page)));
                case ZSET -> zsetPages(key, page -> to.guarded(temp, () -> to.redis.zadd(temp, toArray(page))));
                case STREAM -> {
                    streamWindows(key, entries -> to.guarded(temp, () -> to.xadd(temp, entries)));
                    to.finishStream(temp, scripts.eval(Scripts.STREAM_META, key));
                }
                default -> throw new IllegalArgumentException("no chunked form for " + type.wire());
            }
            return to.promote(temp, targetKey, expected, ttlMs.getAsLong());
        } catch (RuntimeException e) {
            to.dropQuietly(temp);
            throw e;
        }
    }

    /**
     * A temporary name that hashes to the same cluster slot as {@code target}, so the final
     * RENAME is legal on a cluster: the target's own hash tag kept in front, or else a tag of
     * our own chosen to land in the target's slot.
     */
    static byte[] tempName(byte[] target) {
        byte[] suffix = (":keyferry-tmp:" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        if (hasHashTag(target)) {
            return concat(target, suffix);
        }
        return concat(concat(("{" + tagFor(SlotHash.getSlot(target)) + "}").getBytes(StandardCharsets.US_ASCII), target), suffix);
    }

    static boolean hasHashTag(byte[] key) {
        for (int open = 0; open < key.length; open++) {
            if (key[open] == '{') {
                for (int close = open + 1; close < key.length; close++) {
                    if (key[close] == '}') {
                        return close > open + 1;
                    }
                }
                return false;
            }
        }
        return false;
    }

    /** The first {@code kf<n>} whose slot is {@code slot}; about 16k CRC16s at worst. */
    private static String tagFor(int slot) {
        for (int n = 0; ; n++) {
            String tag = "kf" + n;
            if (SlotHash.getSlot(tag) == slot) {
                return tag;
            }
        }
    }

    // ---- windows over a source key --------------------------------------------------------

    private void slices(byte[] key, Consumer<byte[]> each) {
        long length = redis.strlen(key);
        for (long at = 0; at < length; at += limits.stringWindow()) {
            byte[] slice = redis.getrange(key, at, Math.min(at + limits.stringWindow(), length) - 1);
            if (slice.length == 0) {
                return; // shortened meanwhile
            }
            each.accept(slice);
        }
    }

    private void listWindows(byte[] key, Consumer<List<byte[]>> each) {
        for (long at = 0; ; at += limits.window()) {
            List<byte[]> items = redis.lrange(key, at, at + limits.window() - 1);
            if (items.isEmpty()) {
                return;
            }
            each.accept(items);
        }
    }

    private void setPages(byte[] key, Consumer<List<byte[]>> each) {
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ValueScanCursor<byte[]> page = redis.sscan(key, cursor, ScanArgs.Builder.limit(limits.window()));
            if (!page.getValues().isEmpty()) {
                each.accept(page.getValues());
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    private void zsetPages(byte[] key, Consumer<List<ScoredValue<byte[]>>> each) {
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScoredValueScanCursor<byte[]> page = redis.zscan(key, cursor, ScanArgs.Builder.limit(limits.window()));
            if (!page.getValues().isEmpty()) {
                each.accept(page.getValues());
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    private void hashPages(byte[] key, Consumer<java.util.Map<byte[], byte[]>> each) {
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            MapScanCursor<byte[], byte[]> page = redis.hscan(key, cursor, ScanArgs.Builder.limit(limits.window()));
            if (!page.getMap().isEmpty()) {
                each.accept(page.getMap());
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    /** XRANGE windows, each entry exactly as stored (field order and repeated field names kept). */
    private void streamWindows(byte[] key, Consumer<List<KeyValue.StreamEntry>> each) {
        String from = "-";
        while (true) {
            CommandArgs<byte[], byte[]> args = new CommandArgs<>(CODEC).addKey(key).add(from).add("+").add("COUNT")
                    .add(limits.window());
            List<Object> reply = redis.dispatch(CommandType.XRANGE, new NestedMultiOutput<>(CODEC), args);
            if (reply.isEmpty()) {
                return;
            }
            List<KeyValue.StreamEntry> entries = Replies.entries(reply);
            each.accept(entries);
            from = nextId(new String(entries.get(entries.size() - 1).id(), StandardCharsets.US_ASCII));
        }
    }

    /** The smallest stream id after {@code id} ({@code ms-seq}, both unsigned 64-bit). */
    static String nextId(String id) {
        int dash = id.indexOf('-');
        long ms = Long.parseUnsignedLong(id.substring(0, dash));
        long seq = Long.parseUnsignedLong(id.substring(dash + 1));
        return seq == -1L ? Long.toUnsignedString(ms + 1) + "-0" : Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq + 1);
    }

    // ---- writes to a temporary key on this (target) store -------------------------------------

    /** One window's write, then the temporary key's safety TTL (a window may have created it). */
    private void guarded(byte[] temp, Runnable write) {
        write.run();
        redis.pexpire(temp, TEMP_TTL_MS);
    }

    /** One XADD per entry with its own id, pipelined: a window costs one round trip, not one per entry. */
    private void xadd(byte[] temp, List<KeyValue.StreamEntry> entries) {
        List<RedisFuture<byte[]>> sent = new ArrayList<>(entries.size());
        for (KeyValue.StreamEntry e : entries) {
            CommandArgs<byte[], byte[]> args = new CommandArgs<>(CODEC).addKey(temp).add(e.id());
            e.fields().forEach(f -> args.add(f.name()).add(f.value()));
            sent.add(async.dispatch(CommandType.XADD, new ValueOutput<>(CODEC), args));
        }
        if (!LettuceFutures.awaitAll(60, TimeUnit.SECONDS, sent.toArray(new RedisFuture[0]))) {
            throw new io.lettuce.core.RedisCommandTimeoutException("XADD window timed out");
        }
    }

    @SuppressWarnings("unchecked")
    private void finishStream(byte[] temp, List<Object> meta) {
        List<byte[]> args = new ArrayList<>();
        args.add((byte[]) meta.get(0));
        ((List<Object>) meta.get(1)).forEach(o -> args.add((byte[]) o));
        scripts.evalInteger(Scripts.STREAM_FINISH, temp, args.toArray(new byte[0][]));
    }

    /** promote.lua: the temporary key moved into place if the target is as expected, else dropped. */
    private boolean promote(byte[] temp, byte[] target, byte[] expected, long ttlMs) {
        Long done = scripts.evalInteger(Scripts.PROMOTE, new byte[][] {temp, target}, expected, clock.expiryArg(ttlMs));
        return done != null && done == 1L;
    }

    private void dropQuietly(byte[] temp) {
        try {
            redis.unlink(temp);
        } catch (RuntimeException e) {
            // it expires by itself (TEMP_TTL_MS); the copy's own failure is what gets reported
        }
    }

    @SuppressWarnings("unchecked")
    private static ScoredValue<byte[]>[] toArray(List<ScoredValue<byte[]>> page) {
        return page.toArray(new ScoredValue[0]);
    }

    /** Sorted, and without the repeats SCAN may return while a key is rehashed; in place, as the list may be huge. */
    private static <T> List<T> sortedUnique(List<T> all, Comparator<T> order) {
        all.sort(order);
        int n = 0;
        for (int i = 0; i < all.size(); i++) {
            if (n == 0 || order.compare(all.get(n - 1), all.get(i)) != 0) {
                all.set(n++, all.get(i));
            }
        }
        return all.subList(0, n);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
