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

    /**
     * Where the references of {@code scanners} begin on each partition of the keys topic: the
     * lowest of their {@code keysFrom}; empty when one of them does not say (it may have begun
     * anywhere, so a reader starts at the topic's start).
     */
    public static java.util.Optional<Map<Integer, Long>> referencesFrom(java.util.Collection<ScanProgress> scanners) {
        Map<Integer, Long> from = new java.util.HashMap<>();
        for (ScanProgress s : scanners) {
            if (s.keysFrom().isEmpty()) {
                return java.util.Optional.empty();
            }
            s.keysFrom().forEach((p, o) -> from.merge(p, o, Math::min));
        }
        return java.util.Optional.of(from);
    }

    /** The compacted record key: one per run and scanner. */
    public static String recordKey(String run, String scanner) {
        return "scan/" + run + "/" + scanner;
    }
}
