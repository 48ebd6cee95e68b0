package io.keyferry.migrator;

import io.keyferry.core.model.RedisKey;

/**
 * What a {@code --follow} run last wrote, per source key: the target key and the content hash it
 * left there. A key the run owns follows its source (rewritten, deleted); any other target key
 * follows the conflict policy. Kept by the migrator's task that owns the source key's partition,
 * in a changelogged state store, so a replica that takes the partition over knows it too.
 */
public interface Owned {
    /** What the run last wrote for {@code sourceKey}, or null when it owns no target for it. */
    Entry get(RedisKey sourceKey);

    void put(RedisKey sourceKey, Entry entry);

    void remove(RedisKey sourceKey);

    /**
     * What a result leaves owned: a target the run wrote, or found already equal to its source (a
     * copy committed to Redis but not to Kafka before a crash looks just like that), or, in a dry
     * run, would write. A key deleted, or taken by someone else since the run wrote it, is no
     * longer the run's.
     */
    static void record(Owned owned, io.keyferry.core.model.KeyRef ref, io.keyferry.core.model.KeyResult r, boolean wasOwned) {
        io.keyferry.core.model.Status st = r.status();
        switch (st) {
            case COPIED, ALREADY_MATCH, UPDATED -> {
                if (r.targetKey() != null && r.target().exists()) {
                    owned.put(ref.key(), new Entry(r.targetKey(), r.target().sha256(), st));
                }
            }
            case WOULD_COPY, WOULD_UPDATE -> {
                if (r.targetKey() != null && r.source().exists()) {
                    owned.put(ref.key(), new Entry(r.targetKey(), r.source().sha256(), st));
                }
            }
            // kept as a tombstone: a key deleted again, or checked again at cut-over, stays deleted
            case DELETED, WOULD_DELETE -> {
                if (r.targetKey() != null) {
                    owned.put(ref.key(), new Entry(r.targetKey(), GONE, st));
                }
            }
            case CONFLICT_SKIPPED -> {
                if (wasOwned) {
                    owned.remove(ref.key());
                }
            }
            default -> {
                // errors and skips change nothing the run owns
            }
        }
    }

    /** The hash of a target the run deleted. */
    String GONE = "-";

    /**
     * A target key, the sha256 of the content the run left there ({@link #GONE} once it deleted
     * it), and the status of the result that did: a key looked at again and found as the run left
     * it keeps that status, so a cut-over's last look does not turn {@code updated} into
     * {@code already_match}.
     */
    record Entry(RedisKey target, String sha256, io.keyferry.core.model.Status status) {
        public Entry {
            java.util.Objects.requireNonNull(target, "target");
            java.util.Objects.requireNonNull(sha256, "sha256");
            java.util.Objects.requireNonNull(status, "status");
        }

        public boolean gone() {
            return GONE.equals(sha256);
        }

        /** {@code [4-byte length][target key][2-byte length][sha256 ascii][status]}, the store's value. */
        public byte[] bytes() {
            byte[] t = target.unsafeBytes();
            byte[] h = sha256.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] st = status.wire().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            return java.nio.ByteBuffer.allocate(4 + t.length + 2 + h.length + st.length).putInt(t.length).put(t)
                    .putShort((short) h.length).put(h).put(st).array();
        }

        public static Entry of(byte[] bytes) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            byte[] t = new byte[b.getInt()];
            b.get(t);
            byte[] h = new byte[b.getShort()];
            b.get(h);
            byte[] st = new byte[b.remaining()];
            b.get(st);
            return new Entry(RedisKey.of(t), new String(h, java.nio.charset.StandardCharsets.US_ASCII),
                    io.keyferry.core.model.Status.of(new String(st, java.nio.charset.StandardCharsets.US_ASCII)));
        }
    }
}
