package io.keyferry.redis;

import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Snapshots of keys (read.lua: type, TTL and value in one atomic step, with or without the DUMP
 * payload), one at a time or batched, and the size and canonical hash of what was read, a big
 * key's read in windows by {@link Chunks}. Reads only: nothing here changes a key.
 */
final class Reads {
    private static final byte[] DUMP_FLAG = "dump".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_DUMP = new byte[0];
    private static final byte[] DUMP_ONLY = "dump-only".getBytes(StandardCharsets.US_ASCII);

    private final RedisConnections connections;
    private final Scripts scripts;
    private final Chunking chunking;
    private final Chunks chunks;

    Reads(RedisConnections connections, Scripts scripts, Chunking chunking, Chunks chunks) {
        this.connections = connections;
        this.scripts = scripts;
        this.chunking = chunking;
        this.chunks = chunks;
    }

    Snapshot read(RedisKey key) {
        List<Object> reply = scripts.eval(Scripts.READ, key.unsafeBytes(), readArgs(NO_DUMP));
        return Replies.snapshot(reply, 2, System.currentTimeMillis());
    }

    DumpSnapshot readDump(RedisKey key) {
        List<Object> reply = scripts.eval(Scripts.READ, key.unsafeBytes(), readArgs(DUMP_FLAG));
        return Replies.dumpSnapshot(reply, System.currentTimeMillis());
    }

    /**
     * {@link #read(RedisKey)} of each key, queued on this thread's page connection (sent by
     * {@link RedisConnections#flush()}), in as few script calls as the server allows: up to
     * {@value Scripts#BATCH} keys per call on a standalone server (the per-call work of client and
     * server is then paid once per batch, not per key), one per key on a cluster, whose keys live
     * in different slots. A failed call fails each of its keys.
     */
    List<CompletableFuture<Snapshot>> readAllAsync(List<RedisKey> keys) {
        return readAll(keys, NO_DUMP, reply -> Replies.snapshot(reply, 2, System.currentTimeMillis()));
    }

    /**
     * {@link #readDump(RedisKey)} of each key, batched as {@link #readAllAsync(List)}. The
     * server sends each key's payload without its value, which is read from the payload here
     * ({@link DumpPayload}); a key whose payload this cannot read is read again whole, on its own.
     */
    List<CompletableFuture<DumpSnapshot>> readDumpAllAsync(List<RedisKey> keys) {
        List<CompletableFuture<DumpSnapshot>> out = readAll(keys, DUMP_ONLY, reply -> Replies.fromPayload(reply, System.currentTimeMillis()));
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) != null) {
                byte[] key = keys.get(i).unsafeBytes();
                // on the connection that flushes itself: this runs on an I/O thread, after the page's flush
                out.set(i, out.get(i).thenCompose(d -> d != null ? CompletableFuture.completedFuture(d)
                        : scripts.evalNowAsync(Scripts.READ, key, readArgs(DUMP_FLAG)).thenApply(reply -> Replies.dumpSnapshot(reply, System.currentTimeMillis()))));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T> List<CompletableFuture<T>> readAll(List<RedisKey> keys, byte[] flag, Function<List<Object>, T> parse) {
        List<CompletableFuture<T>> out = new ArrayList<>(Collections.nCopies(keys.size(), null));
        List<Integer> at = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) != null) {
                at.add(i);
            }
        }
        if (connections.isCluster()) {
            at.forEach(i -> out.set(i, scripts.evalAsync(Scripts.READ, keys.get(i).unsafeBytes(), readArgs(flag)).thenApply(parse)));
            return out;
        }
        byte[][] args = readArgs(flag, Scripts.MANY);
        for (int from = 0; from < at.size(); from += Scripts.BATCH) {
            List<Integer> batch = at.subList(from, Math.min(at.size(), from + Scripts.BATCH));
            byte[][] k = new byte[batch.size()][];
            for (int j = 0; j < k.length; j++) {
                k[j] = keys.get(batch.get(j)).unsafeBytes();
            }
            CompletableFuture<List<Object>> all = scripts.evalAsync(Scripts.READ, k, args);
            for (int j = 0; j < k.length; j++) {
                int nth = j;
                out.set(batch.get(j), all.thenApply(replies -> parse.apply((List<Object>) replies.get(nth))));
            }
        }
        return out;
    }

    /** The side of a snapshot of {@code key}: a big key's is read now, in windows. */
    Side side(RedisKey key, Snapshot snapshot) {
        return snapshot.big() ? chunks.side(key.unsafeBytes(), snapshot.type(), snapshot.ttlMs()) : snapshot.side();
    }

    /** As {@link #side(RedisKey, Snapshot)}, the size and hash of {@code like} reused when the bytes are the same. */
    Side side(RedisKey key, Snapshot snapshot, Snapshot like, Side likeSide) {
        if (!snapshot.big() && likeSide.exists() && KeyValue.sameBytes(snapshot.value(), like.value())) {
            return new Side(snapshot.type(), likeSide.size(), likeSide.sha256(), snapshot.ttlMs());
        }
        return side(key, snapshot);
    }

    /** The snapshot's value, or of a hash too big to read whole just {@code fields}; null for other big keys. */
    KeyValue valueToName(RedisKey key, Snapshot snapshot, List<byte[]> fields) {
        if (!snapshot.big()) {
            return snapshot.value();
        }
        if (snapshot.type() != KeyType.HASH) {
            return null;
        }
        List<KeyValue.Field> found = new ArrayList<>();
        if (!fields.isEmpty()) {
            for (io.lettuce.core.KeyValue<byte[], byte[]> f : connections.sync().hmget(key.unsafeBytes(), fields.toArray(new byte[0][]))) {
                if (f.hasValue()) {
                    found.add(new KeyValue.Field(f.getKey(), f.getValue()));
                }
            }
        }
        return new KeyValue.HashValue(found);
    }

    /** read.lua's arguments: the flag, the big-key limits, then {@code more} ({@code MANY} for several keys). */
    private byte[][] readArgs(byte[] flag, byte[]... more) {
        byte[][] args = new byte[3 + more.length][];
        args[0] = flag;
        args[1] = bytes(Long.toString(chunking.bigElements()));
        args[2] = bytes(Long.toString(chunking.bigStringBytes()));
        System.arraycopy(more, 0, args, 3, more.length);
        return args;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
