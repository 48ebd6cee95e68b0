package io.keyferry.core.config;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;

import java.util.List;
import java.util.Set;

/**
 * What the scanner publishes.
 *
 * @param matches   SCAN MATCH globs (empty: every key)
 * @param types     only keys of these types (empty: all)
 * @param keys      an explicit cohort instead of SCAN (from --key and --keys-file)
 * @param maxKeys   stop after this many references (0: no limit)
 * @param batch     SCAN COUNT (default 1000)
 * @param rps       at most this many references per second (0: no limit)
 */
public record ScanConfig(String run, RedisEndpoint source, List<String> matches, Set<KeyType> types,
                         List<RedisKey> keys, long maxKeys, int batch, String workspace, double rps,
                         String scannerId) {
    public ScanConfig {
        RunId.check(run);
        matches = List.copyOf(matches);
        types = Set.copyOf(types);
        keys = List.copyOf(keys);
        if (maxKeys < 0) {
            throw new ConfigException("--max-keys", "must not be negative");
        }
        if (batch < 1 || batch > 100_000) {
            throw new ConfigException("--batch", "must be between 1 and 100000, got " + batch);
        }
        if (rps < 0) {
            throw new ConfigException("--rps", "must not be negative");
        }
        if (!keys.isEmpty() && !matches.isEmpty()) {
            throw new ConfigException("--key", "an explicit key list and --match do not go together");
        }
        if (workspace != null && workspace.isBlank()) {
            throw new ConfigException("--workspace", "must not be blank");
        }
    }
}
