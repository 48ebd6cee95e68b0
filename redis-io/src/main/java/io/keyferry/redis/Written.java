package io.keyferry.redis;

/**
 * A batched create or restore of one key, and what the key held right after it, from the same
 * atomic step.
 *
 * @param created  false when the key existed already (it is left untouched)
 * @param look     the key as read right after, or null
 * @param sameTtlMs when created, and so holding exactly what was written (the source's value,
 *                 byte for byte): its TTL; else null
 *                 (both null: not looked at — read it back)
 */
public record Written(boolean created, Snapshot look, Long sameTtlMs) {
    static Written unseen(boolean created) {
        return new Written(created, null, null);
    }

    /** Created, then found with this PTTL in the same step: -2 when its expiry had passed already. */
    static Written created(long ttlMs) {
        return ttlMs == -2 ? new Written(true, Snapshot.absent(System.currentTimeMillis()), null) : new Written(true, null, ttlMs);
    }
}
