package io.keyferry.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * A scanner's latest state on the compacted {@code <prefix>.progress} topic (one record key per
 * run and scanner). Written only after the key references it counts are acknowledged by Kafka.
 *
 * @param cursors     SCAN cursor per source node ("0" everywhere once done)
 * @param published   key references published so far (duplicates after a resume included)
 * @param done        the end-of-scan record: {@code published} is the total
 * @param lastOffsets per keys-topic partition, the offset of the last reference published; the
 *                    run is processed once the migrator has committed past each of them
 * @param keysFrom    per keys-topic partition, where the topic ended when the scanner first
 *                    started: none of its references lies below (empty when not known: read from
 *                    the start)
 */
public record ScanProgress(String run, String scanner, String workspace, Map<String, String> cursors,
                           long published, boolean done, Map<Integer, Long> lastOffsets, long atMs,
                           Map<Integer, Long> keysFrom) {
    public ScanProgress {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(scanner, "scanner");
        cursors = Map.copyOf(cursors);
        lastOffsets = Map.copyOf(lastOffsets);
        keysFrom = Map.copyOf(keysFrom);
    }

    /** A checkpoint that does not say where its references begin. */
    public ScanProgress(String run, String scanner, String workspace, Map<String, String> cursors,
                        long published, boolean done, Map<Integer, Long> lastOffsets, long atMs) {
        this(run, scanner, workspace, cursors, published, done, lastOffsets, atMs, Map.of());
    }

    /** The compacted record key: one per run and scanner. */
    public static String recordKey(String run, String scanner) {
        return "scan/" + run + "/" + scanner;
    }
}
