package io.keyferry.testsupport;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster of three masters (by default no replicas; {@link #start(int)} gives each
 * master replicas), each a {@code redis-server --cluster-enabled yes} on a free port, joined with
 * CLUSTER ADDSLOTS, CLUSTER MEET and CLUSTER REPLICATE — what {@code redis-cli --cluster create}
 * does, without needing redis-cli. A test can change it under a running migration: fail a master
 * over to its replica ({@link #failover}) and move a slot's keys to another master
 * ({@link #migrateSlot}, or step by step with {@link #beginMigration}), each waiting until every
 * node agrees.
 */
public final class TestRedisCluster implements AutoCloseable {
    private static final int SLOTS = 16_384;

    private final List<TestRedis> nodes;
    private final RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> connection;
    private StatefulRedisClusterConnection<byte[], byte[]> bytesConnection;

    private TestRedisCluster(List<TestRedis> nodes) {
        this.nodes = nodes;
        this.client = RedisClusterClient.create(RedisURI.create(nodes.get(0).uri()));
    }

    public static TestRedisCluster start() {
        return start(0);
    }

    /**
     * Three masters, each with {@code replicasPerMaster} replicas (CLUSTER REPLICATE), returned once
     * every node sees every other, each replica's link to its master is up and the cluster is ok.
     */
    public static TestRedisCluster start(int replicasPerMaster) {
        List<TestRedis> nodes = new ArrayList<>();
        int total = 3 * (1 + replicasPerMaster);
        try {
            for (int i = 0; i < total; i++) {
                nodes.add(TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"));
            }
            for (int i = 0; i < 3; i++) {
                int from = i * SLOTS / 3;
                int to = (i + 1) * SLOTS / 3;
                nodes.get(i).strings().clusterAddSlots(IntStream.range(from, to).toArray());
            }
            for (int i = 1; i < total; i++) {
                nodes.get(0).strings().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            boolean met = Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n ->
                    n.strings().clusterNodes().lines().count() == total));
            if (!met) {
                throw new IllegalStateException("the test cluster's nodes did not meet: " + nodes.get(0).strings().clusterNodes());
            }
            for (int i = 3; i < total; i++) {
                String masterId = nodes.get((i - 3) % 3).strings().clusterMyId();
                nodes.get(i).strings().clusterReplicate(masterId);
            }
            boolean ok = Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n ->
                    n.strings().clusterInfo().contains("cluster_state:ok")
                            && n.strings().clusterNodes().lines().filter(l -> l.contains("master")).count() == 3)
                    && nodes.subList(3, total).stream().allMatch(TestRedisCluster::linkUp));
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

    private static boolean linkUp(TestRedis replica) {
        return replica.strings().info("replication").contains("master_link_status:up");
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

    /** Binary-safe cluster-aware commands (routed by key, following MOVED and ASK), for exact comparisons. */
    public synchronized RedisAdvancedClusterCommands<byte[], byte[]> bytes() {
        if (bytesConnection == null) {
            bytesConnection = client.connect(ByteArrayCodec.INSTANCE);
        }
        return bytesConnection.sync();
    }

    /** Keys on every master (replicas hold copies of them). */
    public long dbsize() {
        return masters().stream().mapToLong(n -> n.strings().dbsize()).sum();
    }

    /** The node's id (CLUSTER MYID). */
    public static String idOf(TestRedis node) {
        return node.strings().clusterMyId();
    }

    /** The nodes that are masters now, as they say themselves, in the order of their first slot. */
    public List<TestRedis> masters() {
        List<TestRedis> out = new ArrayList<>();
        for (TestRedis n : nodes) {
            Line me = Line.mine(n);
            if (me.master() && !me.slots().isEmpty()) {
                out.add(n);
            }
        }
        out.sort(java.util.Comparator.comparingInt(n -> Line.mine(n).slots().stream().min(Integer::compare).orElse(SLOTS)));
        return out;
    }

    /** The master serving {@code slot} now, as that master says itself. */
    public TestRedis masterOf(int slot) {
        for (TestRedis n : nodes) {
            Line me = Line.mine(n);
            if (me.master() && me.slots().contains(slot)) {
                return n;
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** The slot of a key, as the cluster hashes it (hash tags included). */
    public static int slotOf(String key) {
        return io.lettuce.core.cluster.SlotHash.getSlot(key);
    }

    /**
     * Fails {@code master} over to one of its replicas: CLUSTER FAILOVER sent to the replica (the
     * coordinated kind: the replica catches up with its master before it takes over, nothing is
     * lost). Returns the new master once it says it is one, serving the old master's slots, and
     * every node agrees (the old master a replica of it).
     */
    public TestRedis failover(TestRedis master) throws InterruptedException {
        String masterId = idOf(master);
        java.util.Set<Integer> slots = Line.mine(master).slots();
        TestRedis replica = nodes.stream().filter(n -> masterId.equals(Line.mine(n).masterId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the master " + masterId + " has no replica"));
        String replicaId = idOf(replica);
        replica.strings().clusterFailover(false);
        boolean done = Await.until(Duration.ofSeconds(30), () -> replica.strings().info("replication").contains("role:master")
                && nodes.stream().allMatch(n -> {
                    Map<String, Line> view = Line.view(n);
                    Line promoted = view.get(replicaId);
                    Line demoted = view.get(masterId);
                    return promoted != null && promoted.master() && promoted.slots().equals(slots)
                            && demoted != null && replicaId.equals(demoted.masterId());
                })
                && linkUp(master)
                && nodes.stream().allMatch(n -> n.strings().clusterInfo().contains("cluster_state:ok")));
        if (!done) {
            throw new IllegalStateException("the failover of " + masterId + " to " + replicaId + " did not complete: "
                    + replica.strings().clusterNodes());
        }
        return replica;
    }

    /** Moves {@code slot} with all its keys from its master to {@code to}, and waits until every node agrees. */
    public void migrateSlot(int slot, TestRedis to) throws InterruptedException {
        beginMigration(slot, to).finish();
    }

    /**
     * Starts moving {@code slot} to the master {@code to}, as {@code redis-cli --cluster reshard}
     * does: CLUSTER SETSLOT IMPORTING on {@code to}, MIGRATING on the slot's master. Until
     * {@link SlotMigration#finish()}, the slot's keys are on either node: the old master answers
     * ASK for those it no longer has.
     */
    public SlotMigration beginMigration(int slot, TestRedis to) {
        TestRedis from = masterOf(slot);
        if (from == to) {
            throw new IllegalArgumentException("slot " + slot + " is already on " + to.uri());
        }
        to.strings().clusterSetSlotImporting(slot, idOf(from));
        from.strings().clusterSetSlotMigrating(slot, idOf(to));
        return new SlotMigration(slot, from, to);
    }

    /** A slot being moved from one master to another; see {@link #beginMigration}. */
    public final class SlotMigration {
        private final int slot;
        private final TestRedis from;
        private final TestRedis to;

        private SlotMigration(int slot, TestRedis from, TestRedis to) {
            this.slot = slot;
            this.from = from;
            this.to = to;
        }

        public TestRedis from() {
            return from;
        }

        public TestRedis to() {
            return to;
        }

        /**
         * Moves up to {@code max} of the slot's keys still on the old master (CLUSTER GETKEYSINSLOT,
         * then one MIGRATE ... KEYS), and returns them.
         */
        public List<String> moveKeys(int max) {
            List<String> keys = from.strings().clusterGetKeysInSlot(slot, max);
            if (!keys.isEmpty()) {
                from.strings().migrate("127.0.0.1", to.port(), 0, 10_000, MigrateArgs.Builder.keys(keys));
            }
            return keys;
        }

        /**
         * Moves the rest of the keys, then CLUSTER SETSLOT NODE on every master (the new one first, as
         * redis-cli does) and waits until every node says the slot is the new master's and none still
         * has it importing or migrating.
         */
        public void finish() throws InterruptedException {
            while (!moveKeys(100).isEmpty()) {
                // until the old master has none of the slot's keys left
            }
            String toId = idOf(to);
            to.strings().clusterSetSlotNode(slot, toId);
            from.strings().clusterSetSlotNode(slot, toId);
            for (TestRedis m : masters()) {
                if (m != to && m != from) {
                    m.strings().clusterSetSlotNode(slot, toId);
                }
            }
            boolean done = Await.until(Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> {
                Map<String, Line> view = Line.view(n);
                Line owner = view.get(toId);
                return owner != null && owner.slots().contains(slot) && view.values().stream()
                        .noneMatch(l -> l != owner && l.slots().contains(slot)) && !Line.mine(n).moving();
            }));
            if (!done) {
                throw new IllegalStateException("slot " + slot + " did not settle on " + toId + ": " + from.strings().clusterNodes());
            }
        }
    }

    /** One line of CLUSTER NODES: a node, its flags, its master (replicas) and the slots it serves. */
    private record Line(String id, boolean myself, boolean master, String masterId, java.util.Set<Integer> slots,
                        boolean moving) {
        static Line parse(String line) {
            String[] f = line.trim().split(" ");
            List<String> flags = List.of(f[2].split(","));
            java.util.Set<Integer> slots = new java.util.TreeSet<>();
            boolean moving = false;
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) { // [slot->-id] migrating, [slot-<-id] importing
                    moving = true;
                } else if (f[i].contains("-")) {
                    String[] r = f[i].split("-");
                    for (int s = Integer.parseInt(r[0]); s <= Integer.parseInt(r[1]); s++) {
                        slots.add(s);
                    }
                } else {
                    slots.add(Integer.parseInt(f[i]));
                }
            }
            return new Line(f[0], flags.contains("myself"), flags.contains("master"), "-".equals(f[3]) ? null : f[3], slots,
                    moving);
        }

        static Map<String, Line> view(TestRedis node) {
            Map<String, Line> out = new java.util.HashMap<>();
            node.strings().clusterNodes().lines().filter(l -> !l.isBlank()).map(Line::parse).forEach(l -> out.put(l.id(), l));
            return out;
        }

        static Line mine(TestRedis node) {
            return view(node).values().stream().filter(Line::myself).findFirst().orElseThrow();
        }
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
