package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.rules.Naming;
import io.keyferry.verifier.Reconciler;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "reconcile", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compares source and target directly, independent of any run, in both directions: keys missing "
                + "in the target, orphans in the target (a key of a rule's TO shape whose source does not exist), "
                + "type/value/ttl mismatches, and counts per type. --fix re-copies missing keys only (never deletes "
                + "or overwrites). Exits 2 when anything is missing, orphaned or mismatched.")
final class ReconcileCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @Option(names = "--match", paramLabel = "GLOB", description = "SCAN MATCH pattern on the source; repeatable. "
            + "Default: every key. Env: KEYFERRY_MATCH.")
    List<String> matches = new ArrayList<>();
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
    @Option(names = "--fix", description = "Copy the keys missing in the target (create-if-absent). Env: KEYFERRY_FIX.")
    boolean fix;
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
        try (Session session = new Session()) {
            var s = session.redis(src, false, "reconcile");
            var t = session.redis(dst, false, "reconcile");
            Reconciler.Report r = new Reconciler(s, t, naming, matches, ttlToleranceMs).run(fix);
            r.missing().forEach(p -> System.out.println("missing in target: " + p.key() + " -> " + p.targetKey()
                    + (r.fixed().contains(p) ? " (fixed)" : "")));
            r.orphans().forEach(k -> System.out.println("orphan in target: " + k));
            r.mismatches().forEach(m -> System.out.println("mismatch (" + m.kind().wire() + "): " + m.key() + " -> " + m.targetKey()));
            System.out.printf("reconcile missing_in_target=%d orphans_in_target=%d mismatches=%d fixed=%d source=%s target=%s%n",
                    r.missing().size(), r.orphans().size(), r.mismatches().size(), r.fixed().size(), r.sourceCounts(), r.targetCounts());
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
    }
}
