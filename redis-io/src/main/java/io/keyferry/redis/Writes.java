package io.keyferry.redis;

import io.keyferry.core.hash.Canonical;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RestoreArgs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Every change keyferry makes to a key whose value fits in one script: create-if-absent,
 * compare-and-replace and compare-and-delete, from a struct value (write.lua) or a DUMP payload
 * (restore.lua, delete.lua), one at a time or batched; and the rollback of a big key. Each
 * script call is one atomic step that leaves a key it did not expect untouched. TTLs travel as
 * absolute expiries on the server's clock ({@link ServerClock}).
 */
final class Writes {
    /** Value parts after which a batched create takes no more keys (a single bigger key still goes, alone). */
    private static final int BATCH_ARGS = 20_000;

    private final RedisConnections connections;
    private final Scripts scripts;
    private final ServerClock clock;
    private final Chunking chunking;
    /** For the rollback of a big key, which is read (and compared) before it is changed. */
    private final Reads reads;

    Writes(RedisConnections connections, Scripts scripts, ServerClock clock, Chunking chunking, Reads reads) {
        this.connections = connections;
        this.scripts = scripts;
        this.clock = clock;
        this.chunking = chunking;
        this.reads = reads;
    }

    boolean createIfAbsent(RedisKey key, KeyValue value, long ttlMs) {
        return write(key, value, ttlMs, Scripts.ABSENT);
    }

    boolean replace(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        return write(key, value, ttlMs, expected);
    }

    private boolean write(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        Long written = scripts.evalInteger(Scripts.WRITE, key.unsafeBytes(), writeArgs(value, ttlMs, expected));
        return written != null && written == 1L;
    }

    boolean restoreIfAbsent(RedisKey key, byte[] payload, long ttlMs) {
        return restore(key, payload, ttlMs, Scripts.ABSENT);
    }

    boolean restoreReplacing(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        return restore(key, payload, ttlMs, expected);
    }

    private boolean restore(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        Long done = scripts.evalInteger(Scripts.RESTORE, key.unsafeBytes(), expected, clock.expiryArg(ttlMs), payload);
        return done != null && done == 1L;
    }

    boolean deleteIf(RedisKey key, byte[] expected) {
        Long done = scripts.evalInteger(Scripts.DELETE, key.unsafeBytes(), expected);
        return done != null && done == 1L;
    }

    /**
     * The rollback of a big key: not one atomic compare-and-act, as a big key's content cannot be
     * compared inside one script; read and compared first, then replaced or deleted.
     */
    boolean undoBig(RedisKey key, Side written, byte[] previous, long ttlMs) {
        Snapshot now = reads.read(key);
        if (!now.exists() || !written.sameContentAs(reads.side(key, now))) {
            return false;
        }
        if (previous == null) {
            connections.sync().unlink(key.unsafeBytes());
        } else {
            connections.sync().restore(key.unsafeBytes(), previous, RestoreArgs.Builder.ttl(Math.max(ttlMs, 0)).replace());
        }
        return true;
    }

    // ---- batched, queued on this thread's page connection (sent by RedisConnections.flush()) ----

    /** {@link #createIfAbsent(RedisKey, KeyValue, long)}, queued on this thread's page connection. */
    private CompletableFuture<Boolean> createIfAbsentAsync(RedisKey key, KeyValue value, long ttlMs) {
        return scripts.evalIntegerAsync(Scripts.WRITE, key.unsafeBytes(), writeArgs(value, ttlMs, Scripts.ABSENT)).thenApply(n -> n != null && n == 1L);
    }

    /**
     * {@link #replace} ({@code expected} null: create if absent), queued on this thread's page
     * connection until the page is flushed.
     */
    CompletableFuture<Boolean> replaceAsync(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        return scripts.evalIntegerAsync(Scripts.WRITE, key.unsafeBytes(), writeArgs(value, ttlMs, expected == null ? Scripts.ABSENT : expected))
                .thenApply(n -> n != null && n == 1L);
    }

    /** {@link #restoreReplacing} ({@code expected} null: restore if absent), queued as {@link #replaceAsync}. */
    CompletableFuture<Boolean> restoreReplacingAsync(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        return scripts.evalIntegerAsync(Scripts.RESTORE, key.unsafeBytes(), expected == null ? Scripts.ABSENT : expected,
                clock.expiryArg(ttlMs), payload).thenApply(n -> n != null && n == 1L);
    }

    /** {@link #deleteIf}, queued as {@link #replaceAsync}. */
    CompletableFuture<Boolean> deleteIfAsync(RedisKey key, byte[] expected) {
        return scripts.evalIntegerAsync(Scripts.DELETE, key.unsafeBytes(), expected).thenApply(n -> n != null && n == 1L);
    }

    /** {@link #restoreIfAbsent(RedisKey, byte[], long)}, queued on this thread's page connection. */
    private CompletableFuture<Boolean> restoreIfAbsentAsync(RedisKey key, byte[] payload, long ttlMs) {
        return scripts.evalIntegerAsync(Scripts.RESTORE, key.unsafeBytes(), Scripts.ABSENT, clock.expiryArg(ttlMs), payload)
                .thenApply(n -> n != null && n == 1L);
    }

    /**
     * {@link #createIfAbsentAsync} of each key, in as few script calls as the server allows (as
     * {@link Reads#readAllAsync(List)}); each key's create is atomic and its failure its own. A key
     * created by a batched call comes with its TTL, read in the same step (see {@link Written}).
     */
    List<CompletableFuture<Written>> createAllIfAbsentAsync(List<RedisKey> keys, List<KeyValue> values, List<Long> ttlMs) {
        return writeAll(Scripts.WRITE, keys, i -> createIfAbsentAsync(keys.get(i), values.get(i), ttlMs.get(i)).thenApply(Written::unseen),
                List.of(Scripts.MANY), (i, args) -> {
            List<byte[]> parts = parts(values.get(i));
            args.add(bytes(values.get(i).type().wire()));
            args.add(clock.expiryArg(ttlMs.get(i)));
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
     */
    @SuppressWarnings("unchecked")
    List<CompletableFuture<Written>> restoreAllIfAbsentAsync(List<RedisKey> keys, List<byte[]> payloads, List<Long> ttlMs) {
        List<byte[]> head = List.of(Scripts.MANY, bytes(Long.toString(chunking.bigElements())), bytes(Long.toString(chunking.bigStringBytes())));
        return writeAll(Scripts.RESTORE, keys, i -> restoreIfAbsentAsync(keys.get(i), payloads.get(i), ttlMs.get(i)).thenApply(Written::unseen),
                head, (i, args) -> {
                    args.add(clock.expiryArg(ttlMs.get(i)));
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
     * Batches of a 'many' write script: its arguments {@code head}, then those of key i added by
     * {@code argsOf}; key i's part of the reply made into its outcome by {@code reply}. On a
     * cluster, key i's own call ({@code one}) instead.
     */
    private <T> List<CompletableFuture<T>> writeAll(Scripts.Script script, List<RedisKey> keys,
                                                    IntFunction<CompletableFuture<T>> one, List<byte[]> head,
                                                    BiConsumer<Integer, List<byte[]>> argsOf,
                                                    Function<Object, T> reply) {
        List<CompletableFuture<T>> out = new ArrayList<>(keys.size());
        if (connections.isCluster()) {
            for (int i = 0; i < keys.size(); i++) {
                out.add(one.apply(i));
            }
            return out;
        }
        int from = 0;
        while (from < keys.size()) {
            // a call holds the server while it runs: it takes no more keys at BATCH keys or once it
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

    /** write.lua's arguments; the layout is documented there. */
    private byte[][] writeArgs(KeyValue value, long ttlMs, byte[] expected) {
        List<byte[]> args = new ArrayList<>();
        args.add(expected);
        args.add(bytes(value.type().wire()));
        args.add(clock.expiryArg(ttlMs));
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
