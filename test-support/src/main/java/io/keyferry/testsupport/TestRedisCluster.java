package io.keyferry.testsupport;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.StringCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster of three masters (no replicas), each a {@code redis-server
 * --cluster-enabled yes} on a free port, joined with CLUSTER ADDSLOTS and CLUSTER MEET — what
 * {@code redis-cli --cluster create} does, without needing redis-cli.
 */
public final class TestRedisCluster implements AutoCloseable {
    private static final int SLOTS = 16_384;

    private final List<TestRedis> nodes;
    private final RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> connection;

    private TestRedisCluster(List<TestRedis> nodes) {
        this.nodes = nodes;
        this.client = RedisClusterClient.create(RedisURI.create(nodes.get(0).uri()));
    }

    public static TestRedisCluster start() {
        List<TestRedis> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"));
            }
            for (int i = 0; i < 3; i++) {
                int from = i * SLOTS / 3;
                int to = (i + 1) * SLOTS / 3;
                nodes.get(i).strings().clusterAddSlots(IntStream.range(from, to).toArray());
            }
            for (int i = 1; i < 3; i++) {
                nodes.get(0).strings().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            boolean ok = Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n ->
                    n.strings().clusterInfo().contains("cluster_state:ok")
                            && n.strings().clusterNodes().lines().count() == 3));
            if (!ok) {
                throw new IllegalStateException("the test cluster did not form: " + nodes.get(0).strings().clusterInfo());
            }
            return new TestRedisCluster(nodes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            nodes.forEach(TestRedis::close);
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            nodes.forEach(TestRedis::close);
            throw e;
        }
    }

    /** A seed URL: any node leads a cluster client to all of them. */
    public String uri() {
        return nodes.get(0).uri();
    }

    public List<TestRedis> nodes() {
        return nodes;
    }

    /** Cluster-aware commands (routed by key). */
    public synchronized RedisAdvancedClusterCommands<String, String> strings() {
        if (connection == null) {
            connection = client.connect(StringCodec.UTF8);
        }
        return connection.sync();
    }

    /** Keys on every master. */
    public long dbsize() {
        return nodes.stream().mapToLong(n -> n.strings().dbsize()).sum();
    }

    @Override
    public void close() {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            nodes.forEach(TestRedis::close);
        }
    }
}
