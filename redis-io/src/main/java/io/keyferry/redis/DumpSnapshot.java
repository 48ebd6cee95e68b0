package io.keyferry.redis;

/**
 * A key as DUMP mode reads it: the snapshot (for the canonical hash and the TTL) and the DUMP
 * payload taken in the same atomic step, so both describe the same value.
 *
 * @param payload RESTORE's input; null when the key does not exist
 */
public record DumpSnapshot(Snapshot snapshot, byte[] payload) {
    public boolean exists() {
        return snapshot.exists();
    }
}
