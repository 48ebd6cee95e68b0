package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RunEnd;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.rules.Naming;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.Topics;
import io.keyferry.verifier.Reconciler;
import io.keyferry.verifier.VerifierApp;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "reconcile", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compares source and target directly, independent of any run, in both directions: keys missing "
                + "in the target, orphans in the target (a key a rule's TO makes from a key the scope selects, whose "
                + "source does not exist), type/value/ttl mismatches, and counts per type. Only the scope's image in the "
                + "target is looked at and counted. --fix copies the missing keys (never deletes or overwrites) and "
                + "records each fix on the audit topic under a run id of its own. Exits 2 when anything is missing, "
                + "orphaned or mismatched.")
final class ReconcileCommand implements Callable<Integer> {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @Option(names = "--match", paramLabel = "GLOB", description = "SCAN MATCH pattern on the source; repeatable. "
            + "Default: every key. Env: KEYFERRY_MATCH.")
    List<String> matches = new ArrayList<>();
    @Option(names = "--type", paramLabel = "T", description = "Only keys of this type (string, hash, list, set, zset, "
            + "stream); repeatable. Env: KEYFERRY_TYPE.")
    List<String> types = new ArrayList<>();
    @Option(names = "--key", paramLabel = "K", description = "An explicit key of the cohort (instead of SCAN); repeatable. "
            + "Env: KEYFERRY_KEY.")
    List<String> keys = new ArrayList<>();
    @Option(names = "--keys-file", paramLabel = "FILE", description = "The cohort's keys, one a line (UTF-8). "
            + "Env: KEYFERRY_KEYS_FILE.")
    Path keysFile;
    @Option(names = "--rename", paramLabel = "'FROM -> TO'", description = "The run's rename rules; repeatable, first "
            + "match wins. Env: KEYFERRY_RENAME.")
    List<String> renames = new ArrayList<>();
    @Option(names = "--derive", paramLabel = "'NAME=field:F|json:/ptr'", description = "The run's value-derived names; "
            + "repeatable. Env: KEYFERRY_DERIVE.")
    List<String> derives = new ArrayList<>();
    @Option(names = "--require", paramLabel = "'NAME=REGEX'", description = "The run's requirements; repeatable. "
            + "Env: KEYFERRY_REQUIRE.")
    List<String> requires = new ArrayList<>();
    @Option(names = "--ttl-tolerance-ms", paramLabel = "MS", defaultValue = "1000",
            description = "How far the TTLs may differ. Default: ${DEFAULT-VALUE}. Env: KEYFERRY_TTL_TOLERANCE_MS.")
    long ttlToleranceMs;
    @Option(names = "--report", paramLabel = "FILE", description = "Write the findings as JSON. Env: KEYFERRY_REPORT.")
    Path report;
    @Option(names = "--fix", description = "Copy the keys missing in the target (create-if-absent), each recorded on "
            + "the audit topic. Needs --actor. Env: KEYFERRY_FIX.")
    boolean fix;
    @Option(names = "--actor", paramLabel = "NAME", description = "Who fixes; recorded on every fix's audit record. "
            + "Env: KEYFERRY_ACTOR.")
    String actor;
    @Option(names = "--run", paramLabel = "ID", description = "The run id the fixes are recorded under (audit, status "
            + "and rollback take it). Default: reconcile-<UTC time>-<random>. Env: KEYFERRY_RUN.")
    String run;
    @ArgGroup(validate = false, heading = "%nKafka (for --fix)%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws IOException {
        RedisEndpoint src = source.endpoint();
        RedisEndpoint dst = target.endpoint();
        Naming naming = Naming.parse(renames, derives, requires);
        if (ttlToleranceMs < 0) {
            throw new ConfigException("--ttl-tolerance-ms", "must not be negative");
        }
        Reconciler.Scope scope = new Reconciler.Scope(matches, Options.types(types), Options.explicitKeys(keys, keysFile));
        if (!scope.keys().isEmpty() && (!matches.isEmpty() || !types.isEmpty())) {
            throw new ConfigException(keysFile != null ? "--keys-file" : "--key", "an explicit cohort cannot be combined "
                    + "with --match or --type");
        }
        if (fix && (actor == null || actor.isBlank())) {
            throw new ConfigException("--actor", "is required with --fix (who changes the target; recorded on the audit topic)");
        }
        String fixRun = fix ? (run != null ? RunId.check(run) : newRunId()) : null;
        var settings = kafka.settings();
        try (Session session = new Session()) {
            var s = session.redis(src, false, "reconcile");
            var t = session.redis(dst, false, "reconcile");
            Reconciler.Fix fixes = null;
            if (fix) {
                KafkaClients clients = session.kafka(settings);
                ProgressTopic progress = new ProgressTopic(clients);
                progress.claim(new RunStart(fixRun, Mode.EXECUTE, actor, ConflictPolicy.SKIP, System.currentTimeMillis())
                        .scoping(naming.scopesWorkspaces()));
                var producer = session.own(clients.producer("keyferry-reconcile-" + fixRun));
                String audit = clients.topic(Topics.AUDIT);
                System.out.printf("reconcile run %s: fixes are recorded on %s (audit --run %s)%n", fixRun, audit, fixRun);
                fixes = new Reconciler.Fix(fixRun, actor, a -> Sends.await(producer.send(
                        VerifierApp.audit(audit, a.result().key().bytes(), a, Json.encode(a)))));
                Reconciler.Report r = new Reconciler(s, t, naming, scope, ttlToleranceMs).run(fixes);
                progress.finish(producer, new RunEnd(fixRun, System.currentTimeMillis()));
                return print(r, fixRun);
            }
            return print(new Reconciler(s, t, naming, scope, ttlToleranceMs).run((Reconciler.Fix) null), null);
        }
    }

    private int print(Reconciler.Report r, String fixRun) throws IOException {
        r.missing().forEach(p -> System.out.println("missing in target: " + p.key() + " -> " + p.targetKey()
                + (r.fixed().contains(p) ? " (fixed)" : "")));
        r.orphans().forEach(k -> System.out.println("orphan in target: " + k));
        r.mismatches().forEach(m -> System.out.println("mismatch (" + m.kind().wire() + "): " + m.key() + " -> " + m.targetKey()));
        System.out.printf("reconcile missing_in_target=%d orphans_in_target=%d mismatches=%d fixed=%d source=%s target=%s%s%n",
                r.missing().size(), r.orphans().size(), r.mismatches().size(), r.fixed().size(), counts(r.sourceCounts()), counts(r.targetCounts()),
                fixRun == null ? "" : " run=" + fixRun);
        if (report != null) {
            Path dir = report.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + report.getFileName(), ".tmp");
            Files.writeString(tmp, r.json(), StandardCharsets.UTF_8);
            Files.move(tmp, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("report: " + report.toAbsolutePath().normalize());
        }
        return r.failed() ? Errors.RUN_FAILED : Errors.OK;
    }

    /** Counts per type by the types' wire names, as the JSON report has them: {string=2, hash=1}. */
    private static String counts(java.util.Map<io.keyferry.core.model.KeyType, Long> counts) {
        StringBuilder sb = new StringBuilder("{");
        counts.forEach((type, n) -> sb.append(sb.length() > 1 ? ", " : "").append(type.wire()).append('=').append(n));
        return sb.append('}').toString();
    }

    private static String newRunId() {
        return "reconcile-" + ID_TIME.format(java.time.Instant.now()) + "-"
                + String.format("%04x", new java.security.SecureRandom().nextInt(0x10000));
    }
}
