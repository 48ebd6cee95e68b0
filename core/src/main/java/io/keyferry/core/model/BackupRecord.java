package io.keyferry.core.model;

import java.util.Objects;

/**
 * The value a target key held before the migrator replaced it (under replace-if-different), on
 * {@code <prefix>.backup}: written and acknowledged before the replace, so rollback can put it
 * back byte-exact — but only while the target still holds {@code writtenSha256}.
 *
 * @param payload       DUMP payload of the previous target value
 * @param ttlMs         its remaining TTL when read, -1 for persistent
 * @param previousSha256 canonical hash of the previous value
 * @param writtenSha256 canonical hash of the value the migrator is about to write
 */
public record BackupRecord(String run, String actor, RedisKey key, RedisKey targetKey, KeyType type, byte[] payload,
                           long ttlMs, String previousSha256, String writtenSha256, long atMs) {
    public BackupRecord {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(targetKey, "targetKey");
        Objects.requireNonNull(payload, "payload");
    }
}
