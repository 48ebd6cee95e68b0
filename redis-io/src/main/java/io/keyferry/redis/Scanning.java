package io.keyferry.redis;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SCAN over every server of an endpoint: a standalone server, or each master of a cluster (SCAN
 * sees one node's keys), named so that a cursor is only ever continued on the node and slots it
 * came from.
 */
final class Scanning {
    private final RedisConnections connections;

    Scanning(RedisConnections connections) {
        this.connections = connections;
    }

    /** The servers to walk: {@code ""} for a standalone server; on a cluster {@code <node id>/<slot ranges>}, read afresh. */
    List<String> scanNodes() {
        if (!connections.isCluster()) {
            return List.of("");
        }
        List<RedisClusterNode> masters = new ArrayList<>();
        for (RedisClusterNode n : connections.refreshedPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                masters.add(n);
            }
        }
        masters.sort(Comparator.comparingInt(n -> n.getSlots().get(0)));
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

    /** One SCAN page of one server of {@link #scanNodes()}. {@code match} and {@code type} may be null. */
    ScanPage scan(String node, String cursor, String match, KeyType type, int count) {
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

    // ---- a cluster that changes under the scan ----------------------------------------------
    // SCAN on a node returns the keys present on that node for the whole walk. A failover keeps
    // them there (a replica holds its master's keys, and the coordinated failover catches it up
    // first), but a slot moved by MIGRATE takes its keys to another node: a walk of the old
    // master after they left, and of the new one before they came, sees none of them. So the
    // scanner asks, after each page, which slots the walked node still serves without moving
    // them, and reads the keys of any other slot by slot (slotHolders, keysInSlot).

    /**
     * What {@code node} (a {@link #scanNodes()} name) says now, from its own CLUSTER NODES: the
     * slots whose keys it holds (its own as a master; its master's as a replica, which is what it
     * is after a failover), and the slots it has MIGRATING or IMPORTING.
     */
    SlotView slotView(String node) {
        String id = node.substring(0, node.indexOf('/'));
        List<NodeLine> lines = NodeLine.parseAll(connections.node(id).clusterNodes());
        NodeLine me = lines.stream().filter(NodeLine::myself).findFirst()
                .orElseThrow(() -> new IllegalStateException("CLUSTER NODES of " + id + " has no myself line"));
        String dataOf = me.master() ? me.id() : me.masterId();
        BitSet served = new BitSet(SLOTS);
        for (NodeLine l : lines) {
            if (l.id().equals(dataOf)) {
                served.or(l.slots());
            }
        }
        BitSet moving = new BitSet(SLOTS);
        me.migrating().keySet().forEach(moving::set);
        me.importing().keySet().forEach(moving::set);
        return new SlotView(served, moving);
    }

    /**
     * Per slot, the masters that hold its keys now, as each master says of itself: those serving
     * it, then those a move is taking it to (IMPORTING, or the target of a MIGRATING); null for a
     * slot no master serves. Two reads that are equal for a slot saw no move of it in between
     * (short of one moved and back).
     */
    SlotHolders[] slotHolders() {
        List<String> serving = new ArrayList<>();
        List<String>[] servers = newLists();
        List<String>[] importers = newLists();
        for (RedisClusterNode n : connections.refreshedPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                serving.add(n.getNodeId());
            }
        }
        Collections.sort(serving);
        for (String id : serving) {
            NodeLine me = NodeLine.parseAll(connections.node(id).clusterNodes()).stream().filter(NodeLine::myself)
                    .findFirst().orElse(null);
            if (me == null || !me.master()) {
                continue; // a replica since the partitions were read: its master answers for the slots
            }
            me.slots().stream().forEach(slot -> servers[slot].add(id));
            me.importing().keySet().forEach(slot -> importers[slot].add(id));
            me.migrating().forEach((slot, to) -> {
                if (!importers[slot].contains(to)) {
                    importers[slot].add(to);
                }
            });
        }
        SlotHolders[] out = new SlotHolders[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++) {
            if (!servers[slot].isEmpty()) {
                out[slot] = new SlotHolders(List.copyOf(servers[slot]), List.copyOf(importers[slot]));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String>[] newLists() {
        List<String>[] a = new List[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            a[i] = new ArrayList<>(1);
        }
        return a;
    }

    /** The keys of {@code slot} that the node {@code nodeId} holds now (CLUSTER GETKEYSINSLOT, whatever its role in a move). */
    List<RedisKey> keysInSlot(String nodeId, int slot) {
        RedisClusterCommands<byte[], byte[]> on = connections.node(nodeId);
        long count = on.clusterCountKeysInSlot(slot);
        if (count == 0) {
            return List.of();
        }
        // GETKEYSINSLOT has no cursor: a slot's keys come in one reply (a slot holds 1/16384 of
        // a cluster's keys, unless hash tags put many keys in one)
        List<RedisKey> keys = new ArrayList<>();
        on.clusterGetKeysInSlot(slot, (int) Math.min(Integer.MAX_VALUE, count + 16)).forEach(k -> keys.add(RedisKey.of(k)));
        return keys;
    }

    /** The key's type now ({@code none} when absent), asked of the node serving it (following ASK and MOVED). */
    String type(RedisKey key) {
        return connections.sync().type(key.unsafeBytes());
    }

    static final int SLOTS = 16_384;

    /** A walked node's view: the slots whose keys it holds, and those it is moving. */
    record SlotView(BitSet served, BitSet moving) {
        /** Served and not being moved: what a walk of the node may publish. */
        BitSet steady() {
            BitSet b = (BitSet) served.clone();
            b.andNot(moving);
            return b;
        }
    }

    /** One line of CLUSTER NODES, with the node's own migrating/importing slots (listed only on its own line). */
    record NodeLine(String id, boolean myself, boolean master, String masterId, BitSet slots,
                    java.util.Map<Integer, String> migrating, java.util.Map<Integer, String> importing) {
        static List<NodeLine> parseAll(String clusterNodes) {
            List<NodeLine> out = new ArrayList<>();
            for (String line : clusterNodes.split("\n")) {
                if (!line.isBlank()) {
                    out.add(parse(line.trim()));
                }
            }
            return out;
        }

        static NodeLine parse(String line) {
            String[] f = line.split(" ");
            List<String> flags = List.of(f[2].split(","));
            BitSet slots = new BitSet(SLOTS);
            java.util.Map<Integer, String> migrating = new java.util.HashMap<>();
            java.util.Map<Integer, String> importing = new java.util.HashMap<>();
            for (int i = 8; i < f.length; i++) {
                String t = f[i];
                if (t.startsWith("[")) { // [slot->-node] migrating to, [slot-<-node] importing from
                    String body = t.substring(1, t.length() - 1);
                    int arrow = body.indexOf("->-");
                    if (arrow > 0) {
                        migrating.put(Integer.parseInt(body.substring(0, arrow)), body.substring(arrow + 3));
                    } else {
                        arrow = body.indexOf("-<-");
                        importing.put(Integer.parseInt(body.substring(0, arrow)), body.substring(arrow + 3));
                    }
                } else {
                    SlotRanges.add(slots, t);
                }
            }
            return new NodeLine(f[0], flags.contains("myself"), flags.contains("master"), "-".equals(f[3]) ? null : f[3],
                    slots, migrating, importing);
        }
    }

    /** Every key matching on every server, each once (SCAN's repeats filtered out by remembering the keys). */
    void forEachKey(String match, KeyType type, int count, Consumer<RedisKey> each) {
        Set<RedisKey> seen = new HashSet<>();
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
}
