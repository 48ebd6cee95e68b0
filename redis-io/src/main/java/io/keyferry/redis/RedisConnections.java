package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The Lettuce client and connections of one endpoint, standalone or cluster, and nothing of what
 * is sent on them: the connection that sends each command at once (on a cluster it routes each
 * keyed command, scripts included, to the key's node), and each thread's connection for pages of
 * commands ({@link Pipes}), sent together by {@link #flush()}. Values are bytes end to end
 * (Lettuce's byte-array codec).
 */
final class RedisConnections implements AutoCloseable {
    /** Under the store's name, as these lines were logged before the store was split. */
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    private final AbstractRedisClient client;
    private final StatefulConnection<byte[], byte[]> connection;
    /** Routes every keyed command (scripts included, by their first key) to the key's node on a cluster. */
    private final RedisClusterCommands<byte[], byte[]> sync;
    /** The same connection, for commands sent without waiting. */
    private final RedisClusterAsyncCommands<byte[], byte[]> async;
    /** Only on a cluster: for what goes to one node by name (SCAN). */
    private final StatefulRedisClusterConnection<byte[], byte[]> cluster;
    private final Pipes pipes;

    private RedisConnections(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
                             RedisClusterCommands<byte[], byte[]> sync, RedisClusterAsyncCommands<byte[], byte[]> async,
                             StatefulRedisClusterConnection<byte[], byte[]> cluster, Pipes pipes) {
        this.client = client;
        this.connection = connection;
        this.sync = sync;
        this.async = async;
        this.cluster = cluster;
        this.pipes = pipes;
    }

    /** Connects and checks the server answers; the error names the option and never the password. */
    static RedisConnections connect(RedisEndpoint endpoint) {
        RedisURI uri = RedisUris.uri(endpoint);
        uri.setTimeout(Duration.ofSeconds(10));
        AbstractRedisClient client = null;
        try {
            if (endpoint.cluster()) {
                RedisClusterClient c = RedisClusterClient.create(uri);
                client = c;
                // Follow failovers and slot migrations: refresh the topology on MOVED/ASK and
                // reconnects, and every 30 s anyway.
                c.setOptions(ClusterClientOptions.builder().sslOptions(RedisUris.sslOptions(endpoint))
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(Duration.ofSeconds(30)).build()).build());
                StatefulRedisClusterConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
                LOG.debug("connected to cluster {}", endpoint.redacted());
                return new RedisConnections(c, conn, conn.sync(), conn.async(), conn, new Pipes(() -> {
                    StatefulRedisClusterConnection<byte[], byte[]> pipe = c.connect(ByteArrayCodec.INSTANCE);
                    return new Pipes.Pipe(pipe, pipe.async());
                }));
            }
            RedisClient c = RedisClient.create(uri);
            client = c;
            c.setOptions(RedisUris.clientOptions(endpoint));
            StatefulRedisConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
            LOG.debug("connected to {}", endpoint.redacted());
            return new RedisConnections(c, conn, conn.sync(), conn.async(), null, new Pipes(() -> {
                StatefulRedisConnection<byte[], byte[]> pipe = c.connect(ByteArrayCodec.INSTANCE);
                return new Pipes.Pipe(pipe, pipe.async());
            }));
        } catch (RuntimeException e) {
            if (client == null) {
                throw e;
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            throw new RedisUnavailableException(endpoint.option() + ": cannot connect to " + endpoint.redacted()
                    + ": " + RedisEndpoint.redact(rootMessage(e)), e);
        }
    }

    /** Commands sent at once and waited for; on a cluster routed by key. */
    RedisClusterCommands<byte[], byte[]> sync() {
        return sync;
    }

    /** Commands sent at once without waiting, on the same connection as {@link #sync()}. */
    RedisClusterAsyncCommands<byte[], byte[]> async() {
        return async;
    }

    boolean isCluster() {
        return cluster != null;
    }

    /** Only on a cluster: its nodes as the servers report them now. */
    Partitions refreshedPartitions() {
        ((RedisClusterClient) client).refreshPartitions();
        return cluster.getPartitions();
    }

    /** Only on a cluster: the commands of the node {@code nodeId}, whatever the keys. */
    RedisClusterCommands<byte[], byte[]> node(String nodeId) {
        return cluster.getConnection(nodeId).sync();
    }

    // ---- pipelined: sent at once, answered together --------------------------------------
    // A caller queues the commands for a whole page of keys, calls flush(), then waits: one
    // round trip instead of one per key. Each future fails on its own (a key's error is that
    // key's, not the page's). Nothing is sent before flush(): a caller that waits first waits
    // until the command timeout. Each thread has its own connection for them.

    /** Queues on this thread's page connection; one it cannot connect fails the command, as a lost one would. */
    <T> CompletableFuture<T> onPipe(Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletableFuture<T>> send) {
        Pipes.Pipe pipe;
        try {
            pipe = pipes.mine();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<T> f = send.apply(pipe.async());
        if (cluster != null) {
            pipe.sent().add(f);
        }
        return f;
    }

    /** Sends what has been queued on this thread's page connection. */
    void flush() {
        Pipes.Pipe p = pipes.mineIfConnected();
        if (p != null) {
            p.connection().flushCommands();
            if (cluster != null && !p.sent().isEmpty()) {
                java.util.List<CompletableFuture<?>> page = new java.util.ArrayList<>(p.sent());
                p.sent().clear();
                flushAgainUntilAnswered(p, page, System.nanoTime() + REFLUSH_FOR_NS);
            }
        }
    }

    // A cluster node that answers MOVED (the slot's master changed: a failover, a slot moved) or
    // ASK (the slot is being moved and the key has left) makes Lettuce send the command again to
    // the node named, on that node's connection. On a page connection, which sends only when
    // flushed, the command then waits in its buffer for a flush that never comes: the page
    // waited for the command timeout, and its keys were retried one by one. So while a flushed
    // page has commands unanswered, its connection is flushed again every few milliseconds.
    // Commands another thread queues meanwhile may leave with it, which only makes their page
    // leave in two writes.
    private static final long REFLUSH_MS = 5;
    private static final long REFLUSH_FOR_NS = Duration.ofMinutes(2).toNanos();
    private static final java.util.concurrent.ScheduledExecutorService REFLUSH =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "keyferry-cluster-reflush");
                t.setDaemon(true);
                return t;
            });

    private static void flushAgainUntilAnswered(Pipes.Pipe p, java.util.List<CompletableFuture<?>> page, long untilNs) {
        REFLUSH.schedule(() -> {
            page.removeIf(CompletableFuture::isDone);
            if (page.isEmpty() || !p.connection().isOpen() || System.nanoTime() > untilNs) {
                return;
            }
            p.connection().flushCommands();
            flushAgainUntilAnswered(p, page, untilNs);
        }, REFLUSH_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            pipes.close();
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
