package io.keyferry.core.model;

import java.util.Objects;

/**
 * One key reference published by the scanner on {@code <prefix>.keys}.
 *
 * @param run       the run id every record of the run carries
 * @param key       the source key
 * @param workspace the scanner's scope label, or null
 * @param scanner   which scanner published it (a run may have several, one per workspace)
 * @param seq       the scanner's running count, for ordering and debugging
 */
public record KeyRef(String run, RedisKey key, String workspace, String scanner, long seq) {
    /** The scanner id of a {@code --follow} run's change references. */
    public static final String FOLLOWER = "follow";

    public KeyRef {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scanner, "scanner");
    }
}
