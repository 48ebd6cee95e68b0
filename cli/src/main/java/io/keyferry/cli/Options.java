package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.config.VerifyConfig;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.rules.Naming;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The option groups the commands mix in. Each turns its raw strings into a validated config
 * record once, at start-up, with errors that name the option; nothing here connects to anything.
 */
public final class Options {
    private Options() {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Options.class);

    /** Once per command, not per connection: an unverified TLS peer is worth one loud line. */
    static RedisEndpoint warnIfInsecure(RedisEndpoint endpoint) {
        if (endpoint.insecure()) {
            LOG.warn("{}-insecure: the certificate of {}:{} is not verified; use this only with test servers",
                    endpoint.option(), endpoint.host(), endpoint.port());
        }
        return endpoint;
    }

    /** --type values, checked. */
    static Set<KeyType> types(List<String> types) {
        Set<KeyType> t = EnumSet.noneOf(KeyType.class);
        for (String type : types) {
            try {
                t.add(KeyType.of(type.trim().toLowerCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--type", "'" + type + "' is not one of string, hash, list, set, zset, stream");
            }
        }
        return t;
    }

    /** The explicit cohort: --key values, then the lines of --keys-file. */
    static List<RedisKey> explicitKeys(List<String> keys, Path keysFile) {
        List<RedisKey> explicit = new ArrayList<>();
        keys.forEach(k -> explicit.add(RedisKey.of(k)));
        if (keysFile != null) {
            int before = explicit.size();
            try {
                for (String line : Files.readAllLines(keysFile, StandardCharsets.UTF_8)) {
                    if (!line.isEmpty()) {
                        explicit.add(RedisKey.of(line));
                    }
                }
            } catch (IOException e) {
                throw new ConfigException("--keys-file", "cannot read " + keysFile + ": " + e.getMessage());
            }
            if (explicit.size() == before) {
                throw new ConfigException("--keys-file", keysFile + " holds no keys");
            }
        }
        return explicit;
    }

    /**
     * A --workspace only scopes a run when its naming tells each key's workspace; otherwise it
     * would silently let every workspace through.
     */
    static void requireWorkspaceScope(ScanConfig scan, Naming naming) {
        if (scan.workspace() != null && !naming.scopesWorkspaces()) {
            throw new ConfigException("--workspace", "nothing tells a key's workspace: give a --rename that captures "
                    + "{workspace_id} or a --derive 'workspace_id=...'");
        }
    }

    public static final class CommonArgs {
        @Option(names = "--stacktrace", description = "Print the full stack trace of a failure. Env: KEYFERRY_STACKTRACE.")
        boolean stacktrace;

        LogFormat.Format logFormat = LogFormat.Format.TEXT;

        // A setter, so the format is in force before the command starts logging.
        @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text", converter = LogFormatConverter.class,
                description = "Log lines on stderr: text, or json (one object a line: timestamp, level, logger, thread, "
                        + "message, exception with its stack trace). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_LOG_FORMAT.")
        void logFormat(LogFormat.Format format) {
            logFormat = format;
            LogFormat.use(format);
        }
    }

    static final class LogFormatConverter implements picocli.CommandLine.ITypeConverter<LogFormat.Format> {
        @Override
        public LogFormat.Format convert(String value) {
            try {
                return LogFormat.Format.of(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not text or json");
            }
        }
    }

    public static final class OpsArgs {
        @Option(names = "--http-port", paramLabel = "N", defaultValue = "0",
                description = "Serve /metrics (Prometheus), /health and /ready on this port (0: off). "
                        + "Default: ${DEFAULT-VALUE}. Env: KEYFERRY_HTTP_PORT.")
        int httpPort;

        int port() {
            if (httpPort < 0 || httpPort > 65_535) {
                throw new ConfigException("--http-port", "must be between 0 and 65535, got " + httpPort);
            }
            return httpPort;
        }
    }

    public static final class RunArgs {
        @Option(names = "--run", paramLabel = "ID", description = "Names the run; every record carries it. "
                + "The same id resumes, a new id starts over. Env: KEYFERRY_RUN.")
        String run;
    }

    public static final class SourceRedisArgs {
        @Option(names = "--source", paramLabel = "URL", description = "Source Redis: redis://[user:password@]host[:port][/db], "
                + "or rediss:// for TLS. Env: KEYFERRY_SOURCE.")
        String source;

        @Option(names = "--source-cluster", description = "The source is a Redis Cluster. Env: KEYFERRY_SOURCE_CLUSTER.")
        boolean sourceCluster;

        @Option(names = "--source-ca-file", paramLabel = "FILE", description = "PEM CA certificate(s) to trust for "
                + "a rediss:// source, instead of the JVM's. Env: KEYFERRY_SOURCE_CA_FILE.")
        Path sourceCaFile;

        @Option(names = "--source-insecure", description = "Do not verify the rediss:// source's certificate "
                + "(self-signed test set-ups only). Env: KEYFERRY_SOURCE_INSECURE.")
        boolean sourceInsecure;

        @Option(names = "--source-password-file", paramLabel = "FILE", description = "Read the source password from "
                + "FILE (a trailing newline is dropped); the URL then carries at most the user. "
                + "Env: KEYFERRY_SOURCE_PASSWORD_FILE.")
        Path sourcePasswordFile;

        RedisEndpoint endpoint() {
            return warnIfInsecure(RedisEndpoint.parse("--source", source, sourceCluster, sourceCaFile, sourceInsecure,
                    sourcePasswordFile));
        }
    }

    public static final class TargetRedisArgs {
        @Option(names = "--target", paramLabel = "URL", description = "Target Redis URL (may be the source itself, "
                + "for a schema migration in place). Env: KEYFERRY_TARGET.")
        String target;

        @Option(names = "--target-cluster", description = "The target is a Redis Cluster. Env: KEYFERRY_TARGET_CLUSTER.")
        boolean targetCluster;

        @Option(names = "--target-ca-file", paramLabel = "FILE", description = "PEM CA certificate(s) to trust for "
                + "a rediss:// target, instead of the JVM's. Env: KEYFERRY_TARGET_CA_FILE.")
        Path targetCaFile;

        @Option(names = "--target-insecure", description = "Do not verify the rediss:// target's certificate "
                + "(self-signed test set-ups only). Env: KEYFERRY_TARGET_INSECURE.")
        boolean targetInsecure;

        @Option(names = "--target-password-file", paramLabel = "FILE", description = "Read the target password from "
                + "FILE (a trailing newline is dropped); the URL then carries at most the user. "
                + "Env: KEYFERRY_TARGET_PASSWORD_FILE.")
        Path targetPasswordFile;

        RedisEndpoint endpoint() {
            return warnIfInsecure(RedisEndpoint.parse("--target", target, targetCluster, targetCaFile, targetInsecure,
                    targetPasswordFile));
        }
    }

    public static final class FollowArgs {
        @Option(names = "--follow", description = "Live sync: subscribe to the source's keyspace notifications before the "
                + "snapshot, then keep the target equal to the source scope's image until keyferry cutover (or a stop). "
                + "Env: KEYFERRY_FOLLOW.")
        boolean follow;

        @Option(names = "--set-notify-config", description = "With --follow: add the classes following needs to the "
                + "source's notify-keyspace-events (CONFIG SET) instead of refusing to start. Env: KEYFERRY_SET_NOTIFY_CONFIG.")
        boolean setNotifyConfig;

        /** Partitions of the keys topic, which a follower's and a scanner's references are spread over alike. */
        static int keysPartitions(io.keyferry.kafka.KafkaClients clients) throws Exception {
            try (var admin = clients.admin()) {
                return io.keyferry.kafka.Topics.ends(admin, clients.topic(io.keyferry.kafka.Topics.KEYS), 30).size();
            }
        }
    }

    public static final class KafkaArgs {
        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka brokers. "
                + "Without it, an embedded single-node broker keeps its data under --state-dir. Env: KEYFERRY_BOOTSTRAP_SERVERS.")
        String bootstrapServers;

        @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "keyferry",
                description = "Prefix of the topic names: <prefix>.keys, <prefix>.results, <prefix>.audit, "
                        + "<prefix>.progress, <prefix>.backup, <prefix>.dlq. "
                        + "Default: ${DEFAULT-VALUE}. Env: KEYFERRY_TOPIC_PREFIX.")
        String topicPrefix;

        @Option(names = "--partitions", paramLabel = "N",
                description = "Partitions of topics keyferry creates (the most migrator replicas that can share a run). "
                        + "Default: " + KafkaSettings.CLUSTER_PARTITIONS + " with --bootstrap-servers, "
                        + KafkaSettings.EMBEDDED_PARTITIONS + " on the embedded broker. Env: KEYFERRY_PARTITIONS.")
        Integer partitions;

        @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client properties (SASL, TLS) "
                + "passed to every client. Env: KEYFERRY_KAFKA_CONFIG.")
        Path kafkaConfig;

        @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "./.keyferry",
                description = "Local state: the embedded broker's data and the migrator's Streams state. "
                        + "Default: ${DEFAULT-VALUE}. Env: KEYFERRY_STATE_DIR.")
        Path stateDir;

        KafkaSettings settings() {
            Map<String, String> props = new HashMap<>();
            if (kafkaConfig != null) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(kafkaConfig)) {
                    p.load(in);
                } catch (IOException e) {
                    throw new ConfigException("--kafka-config", "cannot read " + kafkaConfig + ": " + e.getMessage());
                }
                p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
            }
            return new KafkaSettings(bootstrapServers, topicPrefix,
                    partitions != null ? partitions : KafkaSettings.defaultPartitions(bootstrapServers), props, stateDir);
        }
    }

    public static final class ScanArgs {
        @Option(names = "--match", paramLabel = "GLOB", description = "SCAN MATCH pattern; repeatable. Default: every key. "
                + "Env: KEYFERRY_MATCH.")
        List<String> matches = new ArrayList<>();

        @Option(names = "--type", paramLabel = "T", description = "Only keys of this type (string, hash, list, set, zset, "
                + "stream); repeatable. Env: KEYFERRY_TYPE.")
        List<String> types = new ArrayList<>();

        @Option(names = "--key", paramLabel = "K", description = "An explicit key (instead of SCAN); repeatable. Env: KEYFERRY_KEY.")
        List<String> keys = new ArrayList<>();

        @Option(names = "--keys-file", paramLabel = "FILE", description = "Explicit keys, one a line (UTF-8). Env: KEYFERRY_KEYS_FILE.")
        Path keysFile;

        @Option(names = "--max-keys", paramLabel = "N", defaultValue = "0",
                description = "Publish at most N key references (0: no limit). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_MAX_KEYS.")
        long maxKeys;

        @Option(names = "--batch", paramLabel = "N", defaultValue = "1000",
                description = "SCAN COUNT, and the page between checkpoints. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_BATCH.")
        int batch;

        @Option(names = "--workspace", paramLabel = "W", description = "Scope the run to one workspace: a key whose "
                + "{workspace_id} (captured by a --rename or named by a --derive) is another is skipped as other_workspace. "
                + "Refused where nothing captures or derives {workspace_id}. Env: KEYFERRY_WORKSPACE.")
        String workspace;

        ScanConfig config(String run, RedisEndpoint source, double rps) {
            Set<KeyType> t = types(types);
            List<RedisKey> explicit = explicitKeys(keys, keysFile);
            for (String m : matches) {
                if (m.isEmpty()) {
                    throw new ConfigException("--match", "must not be empty");
                }
            }
            return new ScanConfig(run, source, matches, t, explicit, maxKeys, batch, workspace, rps, null);
        }
    }

    public static final class MigrateArgs {
        @Option(names = "--dry-run", description = "Read both sides and write nothing (the default). Env: KEYFERRY_DRY_RUN.")
        boolean dryRun;

        @Option(names = "--execute", description = "Write the target. Needs --actor. Env: KEYFERRY_EXECUTE.")
        boolean execute;

        @Option(names = "--actor", paramLabel = "NAME", description = "Who runs this migration; recorded on every audit record. "
                + "Env: KEYFERRY_ACTOR.")
        String actor;

        @Option(names = "--rename", paramLabel = "'FROM -> TO'", description = "Rename rule; repeatable, first match wins. "
                + "{name} matches one or more characters other than ':', {name*} anything. Env: KEYFERRY_RENAME.")
        List<String> renames = new ArrayList<>();

        @Option(names = "--derive", paramLabel = "'NAME=field:F|json:/ptr'", description = "A name for --rename's TO taken "
                + "from the source value: hash field F, or the RFC 6901 pointer in a JSON string; repeatable. A key "
                + "without it is skipped as invalid. Env: KEYFERRY_DERIVE.")
        List<String> derives = new ArrayList<>();

        @Option(names = "--require", paramLabel = "'NAME=REGEX'", description = "A captured or derived name must fully "
                + "match REGEX, or the key is skipped as invalid; repeatable. Env: KEYFERRY_REQUIRE.")
        List<String> requires = new ArrayList<>();

        @Option(names = "--on-conflict", paramLabel = "POLICY", defaultValue = "skip",
                description = "skip: never touch an existing target key; replace-if-different. Default: ${DEFAULT-VALUE}. "
                        + "Env: KEYFERRY_ON_CONFLICT.")
        String onConflict;

        @Option(names = "--copy", paramLabel = "MODE", defaultValue = "struct",
                description = "struct: type-aware reads and writes; dump: DUMP/RESTORE. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_COPY.")
        String copy;

        @Option(names = "--max-value-bytes", paramLabel = "N", defaultValue = "0",
                description = "Skip keys bigger than N bytes as too_large (0: no limit). Default: ${DEFAULT-VALUE}. "
                        + "Env: KEYFERRY_MAX_VALUE_BYTES.")
        long maxValueBytes;

        @Option(names = "--max-retries", paramLabel = "N", defaultValue = "8",
                description = "Tries after a transient Redis failure (connection lost, timeout, LOADING, BUSY), with "
                        + "backoff from 100 ms to 5 s, before the key is reported error. Default: ${DEFAULT-VALUE}. "
                        + "Env: KEYFERRY_MAX_RETRIES.")
        int maxRetries;

        Mode mode() {
            if (dryRun && execute) {
                throw new ConfigException("--execute", "contradicts --dry-run; give one of them");
            }
            return execute ? Mode.EXECUTE : Mode.DRY_RUN;
        }

        MigrateConfig config(String run, RedisEndpoint source, RedisEndpoint target, double rps) {
            Mode mode = mode();
            Naming naming = Naming.parse(renames, derives, requires);
            ConflictPolicy policy;
            try {
                policy = ConflictPolicy.of(onConflict);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--on-conflict", "'" + onConflict + "' is not skip or replace-if-different");
            }
            CopyMode copyMode;
            try {
                copyMode = CopyMode.of(copy);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--copy", "'" + copy + "' is not struct or dump");
            }
            return new MigrateConfig(run, source, target, mode, actor, naming, policy, copyMode, maxValueBytes, rps, maxRetries);
        }
    }

    public static final class VerifyArgs {
        @Option(names = "--report", paramLabel = "FILE", description = "Write the per-key report: CSV, or JSON lines "
                + "when FILE ends in .jsonl. Env: KEYFERRY_REPORT.")
        Path report;

        @Option(names = "--ttl-tolerance-ms", paramLabel = "MS", defaultValue = "1000",
                description = "How far a copied key's TTL may be from the source's. Default: ${DEFAULT-VALUE}. "
                        + "Env: KEYFERRY_TTL_TOLERANCE_MS.")
        long ttlToleranceMs;

        VerifyConfig config(String run, RedisEndpoint source, RedisEndpoint target, boolean untilComplete) {
            return new VerifyConfig(run, source, target, report, untilComplete, ttlToleranceMs);
        }
    }
}
