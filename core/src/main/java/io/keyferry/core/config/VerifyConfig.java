package io.keyferry.core.config;

import java.nio.file.Path;

/**
 * @param report         CSV, or JSON lines when the name ends in .jsonl (null: no report)
 * @param untilComplete  exit with the summary once every published key has a verdict
 * @param ttlToleranceMs how far a target TTL may be from the aged source TTL (default 1000)
 */
public record VerifyConfig(String run, RedisEndpoint source, RedisEndpoint target, Path report,
                           boolean untilComplete, long ttlToleranceMs) {
    public VerifyConfig {
        RunId.check(run);
        if (ttlToleranceMs < 0) {
            throw new ConfigException("--ttl-tolerance-ms", "must not be negative");
        }
        if (report != null) {
            String name = report.getFileName() == null ? "" : report.getFileName().toString();
            if (name.isEmpty()) {
                throw new ConfigException("--report", "needs a file name");
            }
        }
    }

    public boolean jsonl() {
        return report != null && report.getFileName().toString().endsWith(".jsonl");
    }
}
