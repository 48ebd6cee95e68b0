package io.keyferry.redis;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.follow.NotifyFlags;
import io.keyferry.core.model.RedisKey;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The changes of a standalone source's keys, from its key-space notifications: one callback per
 * event, with the key (binary-safe: taken from the channel's bytes) and the event's name.
 *
 * <p>Notifications are fire-and-forget: those sent while the subscription is down are lost. The
 * listener hears of every subscription, the first and each one Lettuce makes again after a
 * reconnect, and must then treat every key as possibly changed (a new scan pass).
 */
public final class KeyspaceEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyspaceEvents.class);
    private static final String SETTING = "notify-keyspace-events";

    /** What a subscription hands on; called on Lettuce's I/O thread, so it must not block for long. */
    public interface Listener {
        /** The subscription is (again) in place: changes made while it was not were not heard. */
        void subscribed();

        void changed(RedisKey key, String event);

        /** Following cannot go on: after a reconnect the server no longer notifies (a restart reset its setting). */
        void failed(RuntimeException e);
    }

    private final io.lettuce.core.AbstractRedisClient client;
    private final io.lettuce.core.resource.ClientResources resources;
    private final java.util.concurrent.ExecutorService checks;
    private StatefulRedisPubSubConnection<byte[], byte[]> connection;

    private KeyspaceEvents(io.lettuce.core.AbstractRedisClient client, io.lettuce.core.resource.ClientResources resources,
                           java.util.concurrent.ExecutorService checks) {
        this.client = client;
        this.resources = resources;
        this.checks = checks;
    }

    /**
     * Checks the source's {@code notify-keyspace-events} (setting the missing classes when {@code
     * setConfig}, keeping the others) and subscribes to the key-space channel of its database.
     *
     * @throws ConfigException naming {@code endpoint}'s option when the setting lacks classes and
     *                         {@code setConfig} is false, or the server refuses CONFIG
     */
    public static KeyspaceEvents subscribe(RedisEndpoint endpoint, boolean setConfig, Listener listener) {
        RedisURI uri = RedisUris.uri(endpoint);
        uri.setTimeout(Duration.ofSeconds(10));
        // Notifications sent while the subscription is down are lost (and made up for by a new scan
        // pass), so reconnect within a second, not after Lettuce's default backoff of up to 30 s.
        io.lettuce.core.resource.ClientResources resources = io.lettuce.core.resource.DefaultClientResources.builder()
                .ioThreadPoolSize(1).computationThreadPoolSize(1)
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1),
                        2, TimeUnit.MILLISECONDS))
                .build();
        java.util.concurrent.ExecutorService checks = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "keyferry-follow-check");
            t.setDaemon(true);
            return t;
        });
        if (endpoint.cluster()) {
            return subscribeCluster(endpoint, uri, resources, checks, setConfig, listener);
        }
        RedisClient client = RedisClient.create(resources, uri);
        KeyspaceEvents events = new KeyspaceEvents(client, resources, checks);
        try {
            client.setOptions(RedisUris.clientOptions(endpoint));
            ensureNotifications(client, endpoint, setConfig);
            byte[] prefix = ("__keyspace@" + endpoint.db() + "__:").getBytes(StandardCharsets.US_ASCII);
            StatefulRedisPubSubConnection<byte[], byte[]> connection = client.connectPubSub(ByteArrayCodec.INSTANCE);
            events.connection = connection;
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void psubscribed(byte[] pattern, long count) {
                    if (first.getAndSet(false)) {
                        return; // the first subscription: told below, once psubscribe has returned
                    }
                    events.subscribedAgain(() -> ensureNotifications(client, endpoint, setConfig), endpoint, listener);
                }

                @Override
                public void message(byte[] pattern, byte[] channel, byte[] message) {
                    heard(prefix, channel, message, listener);
                }
            });
            byte[] pattern = Arrays.copyOf(prefix, prefix.length + 1);
            pattern[prefix.length] = '*';
            connection.sync().psubscribe(pattern);
            LOG.info("following the changes of {}", endpoint.redacted());
            listener.subscribed();
            return events;
        } catch (RuntimeException e) {
            events.close();
            throw notFollowing(endpoint, e);
        }
    }

    /**
     * A cluster: every master notifies of its own keys only, so each master is checked (and set)
     * and subscribed to. The listener hears of the first subscriptions once, when every master has
     * answered, and of each one made again after a node's reconnect.
     */
    private static KeyspaceEvents subscribeCluster(RedisEndpoint endpoint, RedisURI uri,
                                                   io.lettuce.core.resource.ClientResources resources,
                                                   java.util.concurrent.ExecutorService checks, boolean setConfig, Listener listener) {
        io.lettuce.core.cluster.RedisClusterClient client = io.lettuce.core.cluster.RedisClusterClient.create(resources, uri);
        KeyspaceEvents events = new KeyspaceEvents(client, resources, checks);
        try {
            client.setOptions(io.lettuce.core.cluster.ClusterClientOptions.builder().sslOptions(RedisUris.sslOptions(endpoint))
                    .topologyRefreshOptions(io.lettuce.core.cluster.ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers().enablePeriodicRefresh(Duration.ofSeconds(30)).build()).build());
            ensureOnMasters(client, endpoint, setConfig);
            byte[] prefix = "__keyspace@0__:".getBytes(StandardCharsets.US_ASCII);
            io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection<byte[], byte[]> connection =
                    client.connectPubSub(ByteArrayCodec.INSTANCE);
            events.connection = connection;
            // the masters' own subscriptions are on node connections: their messages come through here
            connection.setNodeMessagePropagation(true);
            int masters = (int) client.getPartitions().stream()
                    .filter(n -> n.is(io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag.UPSTREAM)).count();
            java.util.concurrent.atomic.AtomicInteger initial = new java.util.concurrent.atomic.AtomicInteger(masters);
            connection.addListener(new io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter<>() {
                @Override
                public void psubscribed(io.lettuce.core.cluster.models.partitions.RedisClusterNode node, byte[] pattern, long count) {
                    if (initial.getAndDecrement() > 0) {
                        return; // one of the first subscriptions: told below, once psubscribe has returned
                    }
                    events.subscribedAgain(() -> ensureOnMasters(client, endpoint, setConfig), endpoint, listener);
                }

                @Override
                public void message(io.lettuce.core.cluster.models.partitions.RedisClusterNode node, byte[] pattern, byte[] channel,
                                    byte[] message) {
                    heard(prefix, channel, message, listener);
                }
            });
            byte[] pattern = Arrays.copyOf(prefix, prefix.length + 1);
            pattern[prefix.length] = '*';
            connection.sync().upstream().commands().psubscribe(pattern);
            LOG.info("following the changes of {} ({} masters)", endpoint.redacted(), masters);
            listener.subscribed();
            return events;
        } catch (RuntimeException e) {
            events.close();
            throw notFollowing(endpoint, e);
        }
    }

    /** A key-space message: the key from the channel, byte for byte, and the event. */
    private static void heard(byte[] prefix, byte[] channel, byte[] message, Listener listener) {
        if (channel.length > prefix.length && Arrays.equals(channel, 0, prefix.length, prefix, 0, prefix.length)) {
            listener.changed(RedisKey.of(Arrays.copyOfRange(channel, prefix.length, channel.length)),
                    new String(message, StandardCharsets.US_ASCII));
        }
    }

    /**
     * Subscribed again after a reconnect: a restarted server may have lost the setting, checked
     * (with {@code ensure}) off Lettuce's I/O thread, which must not wait on a reply.
     */
    private void subscribedAgain(Runnable ensure, RedisEndpoint endpoint, Listener listener) {
        checks.execute(() -> {
            try {
                ensureAfterReconnect(ensure, endpoint);
                LOG.info("following the changes of {} again, after a reconnect", endpoint.redacted());
                listener.subscribed();
            } catch (RuntimeException e) {
                listener.failed(e);
            }
        });
    }

    private static RuntimeException notFollowing(RedisEndpoint endpoint, RuntimeException e) {
        if (e instanceof ConfigException) {
            return e;
        }
        return new RedisUnavailableException(endpoint.option() + ": cannot follow " + endpoint.redacted() + ": "
                + RedisEndpoint.redact(String.valueOf(e.getMessage())), e);
    }

    /** {@link #ensureNotifications} on every master of the cluster. */
    private static void ensureOnMasters(io.lettuce.core.cluster.RedisClusterClient client, RedisEndpoint endpoint,
                                        boolean setConfig) {
        client.refreshPartitions();
        try (io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, String> c = client.connect(StringCodec.UTF8)) {
            for (var node : client.getPartitions()) {
                if (node.is(io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag.UPSTREAM)) {
                    ensureNotifications(c.getConnection(node.getNodeId()), endpoint, setConfig);
                }
            }
        }
    }

    /**
     * The setting checked again after a reconnect, on a connection of its own, which may meet the
     * server still going down or coming up: tried for up to 10 s before following gives up.
     */
    private static void ensureAfterReconnect(Runnable ensure, RedisEndpoint endpoint) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                ensure.run();
                return;
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    throw new RedisUnavailableException(endpoint.option() + ": cannot follow " + endpoint.redacted()
                            + " after a reconnect: " + RedisEndpoint.redact(String.valueOf(e.getMessage())), e);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void ensureNotifications(RedisClient client, RedisEndpoint endpoint, boolean setConfig) {
        try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8)) {
            ensureNotifications(c, endpoint, setConfig);
        }
    }

    /** Checks (and with {@code setConfig}, sets) the setting of the server {@code c} talks to. */
    private static void ensureNotifications(StatefulRedisConnection<String, String> c, RedisEndpoint endpoint, boolean setConfig) {
        {
            Map<String, String> got;
            try {
                got = c.sync().configGet(SETTING);
            } catch (io.lettuce.core.RedisCommandExecutionException e) { // the server's answer, not the network
                throw new ConfigException(endpoint.option(), "the server refuses CONFIG GET " + SETTING
                        + ", which following its changes needs: " + e.getMessage());
            }
            NotifyFlags flags = new NotifyFlags(got.get(SETTING));
            if (flags.missing().isEmpty()) {
                return;
            }
            if (!setConfig) {
                throw new ConfigException(endpoint.option(), "the server's " + SETTING + " is '" + flags.value()
                        + "', which lacks '" + flags.missing() + "': following its changes needs '" + NotifyFlags.NEEDED
                        + "' (CONFIG SET " + SETTING + " " + flags.withNeeded().value() + "), or give --set-notify-config");
            }
            try {
                c.sync().configSet(SETTING, flags.withNeeded().value());
            } catch (io.lettuce.core.RedisCommandExecutionException e) {
                throw new ConfigException(endpoint.option(), "the server refuses CONFIG SET " + SETTING + ": " + e.getMessage());
            }
            LOG.info("{}: {} set to '{}'", endpoint.redacted(), SETTING, flags.withNeeded().value());
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
        try {
            if (connection != null) {
                connection.close();
            }
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
