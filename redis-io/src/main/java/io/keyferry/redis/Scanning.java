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
