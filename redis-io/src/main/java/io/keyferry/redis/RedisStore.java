package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.Canonical;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One Redis endpoint as the roles see it: atomic snapshots of a key, atomic create-if-absent
 * writes, SCAN pages and a ping. Values are bytes end to end (Lettuce's byte-array codec).
 */
public final class RedisStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);
    private static final byte[] DUMP_FLAG = "dump".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_DUMP = new byte[0];
    private static final byte[] DUMP_ONLY = "dump-only".getBytes(StandardCharsets.US_ASCII);
    /** Value parts after which a batched create takes no more keys (a single bigger key still goes, alone). */
    static final int BATCH_ARGS = 20_000;

    /** What struct mode runs, directly or inside read.lua/write.lua (DEL only when replacing). */
    private static final List<String> STRUCT_COMMANDS = List.of(
            "eval", "evalsha", "type", "pttl", "scan", "exists", "pexpire", "pexpireat", "time", "del",
            "get", "set", "hgetall", "hset", "lrange", "rpush", "smembers", "sadd", "zrange", "zadd",
            "xrange", "xinfo", "xadd", "xsetid", "xgroup",
            // big keys (Chunking): lengths, windows, and the temporary key moved into place
            "strlen", "hlen", "llen", "scard", "zcard", "xlen", "getrange", "append", "hscan", "sscan", "zscan",
            "hmget", "rename", "unlink", "persist");
    /** Dump mode still reads the struct value (for the hash), so it needs all of the above too. */
    private static final List<String> DUMP_COMMANDS = List.of("dump", "restore");

    private final RedisEndpoint endpoint;
    private final RedisConnections connections;
    private final Scripts scripts;
    private final Chunking chunking;
    private final Chunks chunks;
    /** For the absolute expiries the create and restore scripts set. */
    private final ServerClock clock;

    private RedisStore(RedisEndpoint endpoint, RedisConnections connections, Chunking chunking) {
        this.endpoint = endpoint;
        this.connections = connections;
        this.scripts = new Scripts(connections);
        this.chunking = chunking;
        this.clock = new ServerClock(connections.sync()::time, System::currentTimeMillis);
        this.chunks = new Chunks(connections.sync(), connections.async(), chunking, new Chunks.Scripts() {
            @Override
            public List<Object> streamMeta(byte[] key) {
                return scripts.eval(Scripts.STREAM_META, key);
            }

            @Override
            public void streamFinish(byte[] key, List<byte[]> args) {
                scripts.evalInteger(Scripts.STREAM_FINISH, key, args.toArray(new byte[0][]));
            }

            @Override
            public boolean promote(byte[] temp, byte[] target, byte[] expected, long ttlMs) {
                Long done = scripts.evalInteger(Scripts.PROMOTE, new byte[][] {temp, target}, expected, expiryArg(ttlMs));
                return done != null && done == 1L;
            }
        });
    }

    /** Connects and checks the server answers; the error names the option and never the password. */
    public static RedisStore connect(RedisEndpoint endpoint) {
        return connect(endpoint, Chunking.DEFAULT);
    }

    /** As {@link #connect(RedisEndpoint)}, with other limits for what counts as a big key. */
    public static RedisStore connect(RedisEndpoint endpoint, Chunking chunking) {
        return new RedisStore(endpoint, RedisConnections.connect(endpoint), chunking);
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    public long pingMillis() {
        long t0 = System.nanoTime();
        connections.sync().ping();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * Type, TTL and whole value of {@code key}, read in one atomic step; for a big key (see
     * {@link Chunking}) only its type and TTL, and {@link Snapshot#big()}.
     */
    public Snapshot read(RedisKey key) {
        List<Object> reply = scripts.eval(Scripts.READ, key.unsafeBytes(), readArgs(NO_DUMP));
        return Replies.snapshot(reply, 2, System.currentTimeMillis());
    }

    /** Size and canonical hash of {@code key} as it is now, a big key read in windows. */
    public Side side(RedisKey key) {
        return side(key, read(key));
    }

    /** The side of a snapshot of {@code key}: a big key's is read now, in windows. */
    public Side side(RedisKey key, Snapshot snapshot) {
        return snapshot.big() ? chunks.side(key.unsafeBytes(), snapshot.type(), snapshot.ttlMs()) : snapshot.side();
    }

    /**
     * As {@link #side(RedisKey, Snapshot)}, reusing the size and hash of {@code like} (whose side
     * is {@code likeSide}) when the snapshot holds exactly its bytes — what a read-back or a
     * verifier's second look usually finds, and hashing is the costly part of both.
     */
    public Side side(RedisKey key, Snapshot snapshot, Snapshot like, Side likeSide) {
        if (!snapshot.big() && likeSide.exists() && KeyValue.sameBytes(snapshot.value(), like.value())) {
            return new Side(snapshot.type(), likeSide.size(), likeSide.sha256(), snapshot.ttlMs());
        }
        return side(key, snapshot);
    }

    /**
     * Copies a big key of this store to {@code target}, in windows, under a temporary name that is
     * moved into place atomically, and only if {@code targetKey} is then still as expected.
     *
     * @param expected null: the target must be absent; else the DUMP payload it must still hold (a replace)
     * @return false when the target was not as expected (it is left untouched, nothing stays behind)
     */
    public boolean copyBig(RedisKey key, Snapshot src, RedisStore target, RedisKey targetKey, byte[] expected) {
        if (!src.big()) {
            throw new IllegalArgumentException("not a big key: copy it whole");
        }
        // The TTL is aged to the moment of the move, not of the read: a big copy takes a while.
        java.util.function.LongSupplier ttl = () -> src.ttlMs() < 0 ? -1 : Math.max(1, src.ttlLeftAt(System.currentTimeMillis()));
        return chunks.copy(key.unsafeBytes(), src.type(), target.chunks, targetKey.unsafeBytes(),
                expected == null ? Scripts.ABSENT : expected, ttl);
    }

    /**
     * What --derive reads a name from: the snapshot's value, or of a hash too big to read whole,
     * just the fields {@code fields} (a big string has nothing to offer: JSON that size is not parsed).
     */
    public KeyValue valueToName(RedisKey key, Snapshot snapshot, List<byte[]> fields) {
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

    /**
     * Rollback of a big key: if it still has the content {@code written}, replace it by the DUMP
     * payload {@code previous} (TTL {@code ttlMs}), or delete it when there is none. Unlike the
     * whole-value path this is not one atomic compare-and-act — a big key's content cannot be
     * compared inside one script — so a write between the check and the act is lost.
     *
     * @return false when the key no longer holds {@code written}; it is left alone
     */
    public boolean undoBig(RedisKey key, Side written, byte[] previous, long ttlMs) {
        Snapshot now = read(key);
        if (!now.exists() || !written.sameContentAs(side(key, now))) {
            return false;
        }
        if (previous == null) {
            connections.sync().unlink(key.unsafeBytes());
        } else {
            connections.sync().restore(key.unsafeBytes(), previous, io.lettuce.core.RestoreArgs.Builder.ttl(Math.max(ttlMs, 0)).replace());
        }
        return true;
    }

    /**
     * DUMP mode's read: type, TTL, DUMP payload and the struct value, all from one atomic script,
     * so the payload that is restored is exactly the value that is hashed.
     *
     * @return for a missing key an absent snapshot and a null payload
     */
    public DumpSnapshot readDump(RedisKey key) {
        List<Object> reply = scripts.eval(Scripts.READ, key.unsafeBytes(), readArgs(DUMP_FLAG));
        return Replies.dumpSnapshot(reply, System.currentTimeMillis());
    }

    /**
     * Restores {@code key} from a DUMP payload only if it is absent, atomically: an application's
     * key is never overwritten.
     *
     * @param ttlMs remaining TTL; {@code <= 0} restores a persistent key (as {@link #createIfAbsent})
     * @return false when the key already existed; it is left untouched
     * @throws RedisCommandExecutionException for any other refusal, e.g. a payload from another
     *                                        Redis version ("DUMP payload version or checksum are wrong")
     */
    public boolean restoreIfAbsent(RedisKey key, byte[] payload, long ttlMs) {
        return restore(key, payload, ttlMs, Scripts.ABSENT);
    }

    /**
     * Replaces {@code key} with a DUMP payload only if it still holds exactly the value whose
     * DUMP payload is {@code expected}, atomically: readers see the old value or the new one.
     *
     * @return false when the key changed (or vanished) since {@code expected} was read
     */
    public boolean restoreReplacing(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        return restore(key, payload, ttlMs, expected);
    }

    /**
     * Deletes {@code key} only if it still holds exactly the value whose DUMP payload is
     * {@code expected}, atomically.
     *
     * @return false when it changed (or is gone) since {@code expected} was read
     */
    public boolean deleteIf(RedisKey key, byte[] expected) {
        Long done = scripts.evalInteger(Scripts.DELETE, key.unsafeBytes(), expected);
        return done != null && done == 1L;
    }

    private boolean restore(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        Long done = scripts.evalInteger(Scripts.RESTORE, key.unsafeBytes(), expected, expiryArg(ttlMs), payload);
        return done != null && done == 1L;
    }

    /**
     * The commands a copy mode needs that this server does not offer (disabled with
     * rename-command, or too old), lower case and sorted; empty when all are there.
     * A server that refuses COMMAND itself cannot be checked and also gives an empty set:
     * keyferry does not need COMMAND, so that alone must not stop a run.
     */
    public Set<String> missingCommands(boolean dumpMode) {
        List<String> wanted = new ArrayList<>(STRUCT_COMMANDS);
        if (dumpMode) {
            wanted.addAll(DUMP_COMMANDS);
        }
        List<Object> info;
        try {
            info = connections.sync().commandInfo(wanted.toArray(new String[0]));
        } catch (RedisCommandExecutionException e) {
            LOG.debug("{}: COMMAND INFO refused, cannot check commands: {}", endpoint.option(), e.getMessage());
            return Collections.emptySet();
        }
        Set<String> missing = new TreeSet<>();
        for (int i = 0; i < wanted.size(); i++) {
            // One reply per name asked, in order; an unknown (or renamed-away) command is nil.
            Object entry = i < info.size() ? info.get(i) : null;
            if (!(entry instanceof List<?> l) || l.isEmpty()) {
                missing.add(wanted.get(i).toLowerCase(Locale.ROOT));
            }
        }
        return missing;
    }

    /**
     * Creates {@code key} with {@code value} and TTL only if it does not exist, atomically.
     *
     * @return false when the key already existed (it is left untouched)
     */
    public boolean createIfAbsent(RedisKey key, KeyValue value, long ttlMs) {
        return write(key, value, ttlMs, Scripts.ABSENT);
    }

    /**
     * Replaces {@code key} with {@code value} and TTL only if it still holds exactly the value
     * whose DUMP payload is {@code expected}, atomically: readers see the old value or the new one,
     * never a mix and never a missing key.
     *
     * @return false when the key changed (or vanished) since {@code expected} was read
     */
    public boolean replace(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        return write(key, value, ttlMs, expected);
    }

    private boolean write(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        Long written = scripts.evalInteger(Scripts.WRITE, key.unsafeBytes(), writeArgs(value, ttlMs, expected));
        return written != null && written == 1L;
    }

    // ---- pipelined: sent at once, answered together --------------------------------------
    // A caller queues the commands for a whole page of keys, calls flush(), then waits: one
    // round trip instead of one per key. Each future fails on its own (a key's error is that
    // key's, not the page's). Nothing is sent before flush(): a caller that waits first waits
    // until the command timeout. Each thread has its own connection for them.

    /** Sends what the pipelined methods below have queued on this thread. */
    public void flush() {
        connections.flush();
    }

    /** {@link #read(RedisKey)}, sent without waiting. */
    public CompletableFuture<Snapshot> readAsync(RedisKey key) {
        return scripts.evalAsync(Scripts.READ, key.unsafeBytes(), readArgs(NO_DUMP)).thenApply(reply -> Replies.snapshot(reply, 2, System.currentTimeMillis()));
    }

    /** {@link #readDump(RedisKey)}, sent without waiting. */
    public CompletableFuture<DumpSnapshot> readDumpAsync(RedisKey key) {
        return scripts.evalAsync(Scripts.READ, key.unsafeBytes(), readArgs(DUMP_FLAG)).thenApply(reply -> Replies.dumpSnapshot(reply, System.currentTimeMillis()));
    }

    /**
     * {@link #readAsync(RedisKey)} of each key, sent without waiting, in as few script calls as
     * the server allows: up to {@value Scripts#BATCH} keys per call on a standalone server (the per-call
     * work of client and server is then paid once per batch, not per key), one per key on a
     * cluster, whose keys live in different slots. A failed call fails each of its keys.
     *
     * @param keys null where nothing is to be read
     * @return one future per key, in order; null where the key is null
     */
    public List<CompletableFuture<Snapshot>> readAllAsync(List<RedisKey> keys) {
        return readAll(keys, NO_DUMP, reply -> Replies.snapshot(reply, 2, System.currentTimeMillis()));
    }

    /**
     * {@link #readDumpAsync(RedisKey)} of each key, batched as {@link #readAllAsync(List)}. The
     * server sends each key's payload without its value, which is read from the payload here
     * ({@link DumpPayload}); a key whose payload this cannot read is read again whole, on its own.
     */
    public List<CompletableFuture<DumpSnapshot>> readDumpAllAsync(List<RedisKey> keys) {
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
    private <T> List<CompletableFuture<T>> readAll(List<RedisKey> keys, byte[] flag,
                                                   java.util.function.Function<List<Object>, T> parse) {
        List<CompletableFuture<T>> out = new ArrayList<>(java.util.Collections.nCopies(keys.size(), null));
        List<Integer> at = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) != null) {
                at.add(i);
            }
        }
        if (connections.cluster()) {
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

    /** {@link #createIfAbsent(RedisKey, KeyValue, long)}, sent without waiting. */
    public CompletableFuture<Boolean> createIfAbsentAsync(RedisKey key, KeyValue value, long ttlMs) {
        return scripts.evalIntegerAsync(Scripts.WRITE, key.unsafeBytes(), writeArgs(value, ttlMs, Scripts.ABSENT)).thenApply(n -> n != null && n == 1L);
    }

    /**
     * {@link #createIfAbsentAsync} of each key, in as few script calls as the server allows (as
     * {@link #readAllAsync(List)}); each key's create is atomic and its failure its own. A key
     * created by a batched call comes with its TTL, read in the same step (see {@link Written}).
     *
     * @return one future per key, in order
     */
    public List<CompletableFuture<Written>> createAllIfAbsentAsync(List<RedisKey> keys, List<KeyValue> values, List<Long> ttlMs) {
        return writeAll(Scripts.WRITE, keys, i -> createIfAbsentAsync(keys.get(i), values.get(i), ttlMs.get(i)).thenApply(Written::unseen),
                List.of(Scripts.MANY), (i, args) -> {
            List<byte[]> parts = parts(values.get(i));
            args.add(bytes(values.get(i).type().wire()));
            args.add(expiryArg(ttlMs.get(i)));
            args.add(bytes(Integer.toString(parts.size())));
            args.addAll(parts);
        }, done -> {
            if (done instanceof Long n) {
                return Written.unseen(n == 1L);
            }
            if (done instanceof List<?> created) {
                return Written.created((Long) created.get(1));
            }
            throw new RedisCommandExecutionException(Replies.text(done));
        });
    }

    /**
     * {@link #restoreIfAbsentAsync} of each key, batched as {@link #createAllIfAbsentAsync}, each
     * with its read-back taken in the same call where the server allows (see {@link Written}).
     *
     * @return one future per key, in order
     */
    @SuppressWarnings("unchecked")
    public List<CompletableFuture<Written>> restoreAllIfAbsentAsync(List<RedisKey> keys, List<byte[]> payloads, List<Long> ttlMs) {
        List<byte[]> head = List.of(Scripts.MANY, bytes(Long.toString(chunking.bigElements())), bytes(Long.toString(chunking.bigStringBytes())));
        return writeAll(Scripts.RESTORE, keys, i -> restoreIfAbsentAsync(keys.get(i), payloads.get(i), ttlMs.get(i)).thenApply(Written::unseen),
                head, (i, args) -> {
                    args.add(expiryArg(ttlMs.get(i)));
                    args.add(payloads.get(i));
                }, done -> {
                    if (!(done instanceof List<?> reply)) {
                        throw new RedisCommandExecutionException(Replies.text(done));
                    }
                    if ((Long) reply.get(0) == 0L) {
                        return new Written(false, Replies.snapshot((List<Object>) reply.get(1), 2, System.currentTimeMillis()), null);
                    }
                    return Written.created((Long) reply.get(1));
                });
    }

    /**
     * A batched create or restore of one key, and what the key held right after it, from the same
     * atomic step.
     *
     * @param created  false when the key existed already (it is left untouched)
     * @param look     the key as read right after, or null
     * @param sameTtlMs when created, and so holding exactly what was written (the source's value,
     *                 byte for byte): its TTL; else null
     *                 (both null: not looked at — read it back)
     */
    public record Written(boolean created, Snapshot look, Long sameTtlMs) {
        static Written unseen(boolean created) {
            return new Written(created, null, null);
        }

        /** Created, then found with this PTTL in the same step: -2 when its expiry had passed already. */
        static Written created(long ttlMs) {
            return ttlMs == -2 ? new Written(true, Snapshot.absent(System.currentTimeMillis()), null) : new Written(true, null, ttlMs);
        }
    }

    /**
     * Batches of a 'many' write script: its arguments {@code head}, then those of key i added by
     * {@code argsOf}; key i's part of the reply made into its outcome by {@code reply}. On a
     * cluster, key i's own call ({@code one}) instead.
     */
    private <T> List<CompletableFuture<T>> writeAll(Scripts.Script script, List<RedisKey> keys,
                                                    java.util.function.IntFunction<CompletableFuture<T>> one, List<byte[]> head,
                                                    java.util.function.BiConsumer<Integer, List<byte[]>> argsOf,
                                                    java.util.function.Function<Object, T> reply) {
        List<CompletableFuture<T>> out = new ArrayList<>(keys.size());
        if (connections.cluster()) {
            for (int i = 0; i < keys.size(); i++) {
                out.add(one.apply(i));
            }
            return out;
        }
        int from = 0;
        while (from < keys.size()) {
            // a call holds the server while it runs: it takes no more keys at Scripts.BATCH keys or once it
            // holds BATCH_ARGS parts, whichever comes first
            List<byte[]> args = new ArrayList<>(head);
            int to = from;
            while (to < keys.size() && to - from < Scripts.BATCH && (to == from || args.size() < BATCH_ARGS)) {
                argsOf.accept(to++, args);
            }
            byte[][] k = new byte[to - from][];
            for (int i = from; i < to; i++) {
                k[i - from] = keys.get(i).unsafeBytes();
            }
            CompletableFuture<List<Object>> all = scripts.evalAsync(script, k, args.toArray(new byte[0][]));
            for (int i = 0; i < k.length; i++) {
                int at = i;
                out.add(all.thenApply(done -> reply.apply(done.get(at))));
            }
            from = to;
        }
        return out;
    }

    /** {@link #restoreIfAbsent(RedisKey, byte[], long)}, sent without waiting. */
    public CompletableFuture<Boolean> restoreIfAbsentAsync(RedisKey key, byte[] payload, long ttlMs) {
        return scripts.evalIntegerAsync(Scripts.RESTORE, key.unsafeBytes(), Scripts.ABSENT, expiryArg(ttlMs), payload)
                .thenApply(n -> n != null && n == 1L);
    }

    /** write.lua's arguments; the layout is documented there. */
    private byte[][] writeArgs(KeyValue value, long ttlMs, byte[] expected) {
        List<byte[]> args = new ArrayList<>();
        args.add(expected);
        args.add(bytes(value.type().wire()));
        args.add(expiryArg(ttlMs));
        args.addAll(parts(value));
        return args.toArray(new byte[0][]);
    }

    /** A value as write.lua's parts; the layout is documented there. */
    private static List<byte[]> parts(KeyValue value) {
        List<byte[]> args = new ArrayList<>();
        if (value instanceof KeyValue.StringValue s) {
            args.add(s.value());
        } else if (value instanceof KeyValue.HashValue h) {
            h.fields().forEach(f -> {
                args.add(f.name());
                args.add(f.value());
            });
        } else if (value instanceof KeyValue.ListValue l) {
            args.addAll(l.items());
        } else if (value instanceof KeyValue.SetValue s) {
            args.addAll(s.members());
        } else if (value instanceof KeyValue.ZSetValue z) {
            z.members().forEach(m -> {
                args.add(bytes(Canonical.score(m.score())));
                args.add(m.member());
            });
        } else if (value instanceof KeyValue.StreamValue st) {
            // Layout documented in write.lua.
            args.add(st.lastGeneratedId());
            args.add(bytes(Integer.toString(st.groups().size())));
            st.groups().forEach(g -> {
                args.add(g.name());
                args.add(g.lastDeliveredId());
            });
            st.entries().forEach(e -> {
                args.add(e.id());
                args.add(bytes(Integer.toString(e.fields().size())));
                e.fields().forEach(f -> {
                    args.add(f.name());
                    args.add(f.value());
                });
            });
        }
        return args;
    }

    /**
     * The servers a SCAN must walk, as names for {@link #scan(String, String, String, KeyType, int)}:
     * {@code ""} for a standalone server; on a cluster one per master that serves slots, named by
     * its node id and the slots it serves, read afresh. A master that replaced a failed one, or
     * whose slots changed, gets a new name: a cursor of another node (or of other slots) means
     * nothing to it, so its walk starts over.
     */
    public List<String> scanNodes() {
        if (!connections.cluster()) {
            return List.of("");
        }
        List<RedisClusterNode> masters = new ArrayList<>();
        for (RedisClusterNode n : connections.refreshedPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                masters.add(n);
            }
        }
        masters.sort(java.util.Comparator.comparingInt(n -> n.getSlots().get(0)));
        List<String> names = new ArrayList<>(masters.size());
        for (RedisClusterNode n : masters) {
            names.add(n.getNodeId() + "/" + slotRanges(n.getSlots()));
        }
        return names;
    }

    /** Slots as ranges, e.g. {@code 0-5460}, or {@code 0-99,200-300}. */
    private static String slotRanges(List<Integer> slots) {
        List<Integer> sorted = new ArrayList<>(slots);
        Collections.sort(sorted);
        StringBuilder out = new StringBuilder();
        int start = sorted.get(0);
        int prev = start;
        for (int i = 1; i <= sorted.size(); i++) {
            if (i < sorted.size() && sorted.get(i) == prev + 1) {
                prev = sorted.get(i);
                continue;
            }
            out.append(out.length() == 0 ? "" : ",").append(start).append('-').append(prev);
            if (i < sorted.size()) {
                start = sorted.get(i);
                prev = start;
            }
        }
        return out.toString();
    }

    /** One SCAN page of a standalone server. {@code match} and {@code type} may be null. */
    public ScanPage scan(String cursor, String match, KeyType type, int count) {
        return scan("", cursor, match, type, count);
    }

    /** One SCAN page of one server of {@link #scanNodes()}. {@code match} and {@code type} may be null. */
    public ScanPage scan(String node, String cursor, String match, KeyType type, int count) {
        KeyScanArgs args = KeyScanArgs.Builder.limit(count);
        if (match != null) {
            args.match(match.getBytes(StandardCharsets.UTF_8));
        }
        if (type != null) {
            args.type(type.wire());
        }
        RedisClusterCommands<byte[], byte[]> on = node.isEmpty() ? connections.sync()
                : connections.node(node.substring(0, node.indexOf('/')));
        KeyScanCursor<byte[]> page = on.scan(ScanCursor.of(cursor), args);
        List<RedisKey> keys = new ArrayList<>(page.getKeys().size());
        page.getKeys().forEach(k -> keys.add(RedisKey.of(k)));
        return new ScanPage(keys, page.isFinished() ? "0" : page.getCursor());
    }

    /**
     * Every key matching {@code match} (and {@code type}; both may be null) on every server, each
     * once: SCAN may return a key twice, which is filtered out here at the cost of remembering them.
     */
    public void forEachKey(String match, KeyType type, int count, java.util.function.Consumer<RedisKey> each) {
        Set<RedisKey> seen = new java.util.HashSet<>();
        for (String node : scanNodes()) {
            String cursor = "0";
            do {
                ScanPage page = scan(node, cursor, match, type, count);
                for (RedisKey k : page.keys()) {
                    if (seen.add(k)) {
                        each.accept(k);
                    }
                }
                cursor = page.cursor();
            } while (!"0".equals(cursor));
        }
    }

    /**
     * The raw commands, for tests and tools that need something the store does not offer; on a
     * cluster they route by key.
     */
    public RedisClusterCommands<byte[], byte[]> commands() {
        return connections.sync();
    }

    @Override
    public void close() {
        connections.close();
    }

    // ---- helpers ------------------------------------------------------------------------

    /** read.lua's arguments: the flag, the big-key limits, then {@code more} ({@code Scripts.MANY} for several keys). */
    private byte[][] readArgs(byte[] flag, byte[]... more) {
        byte[][] args = new byte[3 + more.length][];
        args[0] = flag;
        args[1] = bytes(Long.toString(chunking.bigElements()));
        args[2] = bytes(Long.toString(chunking.bigStringBytes()));
        System.arraycopy(more, 0, args, 3, more.length);
        return args;
    }

    /**
     * A TTL (time left now) as the write scripts take it: the absolute expiry on this
     * server's clock; {@code <= 0} is persistent, sent as 0.
     */
    private byte[] expiryArg(long ttlMs) {
        return bytes(Long.toString(clock.expiryAt(ttlMs)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
