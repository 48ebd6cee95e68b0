package io.keyferry.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Connections for pages of commands, one per thread that sends pages: each sends nothing until
 * it is flushed, so a page of a hundred keys leaves in one write instead of a hundred (each a
 * hand-over to the connection's I/O thread and a system call, here and in Redis). Not shared: a
 * connection that waits for a flush is state that every thread queuing on it changes, and
 * Lettuce's advice for it is one connection per thread.
 *
 * <p>{@value #READY} are connected with the store, so that a thread's first page waits for a
 * stalled or restarting server as any command does, instead of failing to connect; a thread
 * beyond those connects on its first page. A thread that has ended leaves its connection to the
 * next one.
 */
final class Pipes implements AutoCloseable {
    /** The migrator's two stream threads, or the verifier's one. */
    static final int READY = 2;
    private final Supplier<Pipe> connect;
    private final Map<Thread, Pipe> taken = new HashMap<>();
    private final ArrayDeque<Pipe> free = new ArrayDeque<>();
    private final ThreadLocal<Pipe> mine = new ThreadLocal<>();
    private boolean closed;

    /**
     * A connection that sends only when flushed, and its commands; on a cluster, {@code sent} holds
     * what its thread queued since the last flush (see {@link RedisConnections#flush()}).
     */
    record Pipe(StatefulConnection<byte[], byte[]> connection, RedisClusterAsyncCommands<byte[], byte[]> async,
                java.util.List<java.util.concurrent.CompletableFuture<?>> sent) {
        Pipe {
            connection.setAutoFlushCommands(false);
        }

        Pipe(StatefulConnection<byte[], byte[]> connection, RedisClusterAsyncCommands<byte[], byte[]> async) {
            this(connection, async, new java.util.ArrayList<>());
        }
    }

    Pipes(Supplier<Pipe> connect) {
        this.connect = connect;
        try {
            for (int i = 0; i < READY; i++) {
                free.add(connect.get());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** This thread's connection; a failure to connect is thrown. */
    Pipe mine() {
        Pipe p = mine.get();
        if (p == null) {
            p = take();
            mine.set(p);
        }
        return p;
    }

    /** This thread's connection, or null when it has none (so nothing is queued on one). */
    Pipe mineIfConnected() {
        return mine.get();
    }

    private synchronized Pipe take() {
        if (closed) {
            throw new IllegalStateException("the Redis connections are closed");
        }
        taken.entrySet().removeIf(e -> {
            if (e.getKey().isAlive()) {
                return false;
            }
            free.add(e.getValue());
            return true;
        });
        Pipe p = free.isEmpty() ? connect.get() : free.poll();
        taken.put(Thread.currentThread(), p);
        return p;
    }

    @Override
    public synchronized void close() {
        closed = true;
        taken.values().forEach(p -> p.connection().close());
        free.forEach(p -> p.connection().close());
        taken.clear();
        free.clear();
    }
}
