package io.keyferry.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parsing and validation only: every command line here fails (or asks for help) before anything
 * connects. Redis URLs point at port 1 so that a slip refuses at once instead of reaching a server.
 */
class CommandLineTest {
    private static final String SRC = "redis://127.0.0.1:1";
    private static final String DST = "redis://127.0.0.1:1/1";
    private static final String SECRET = "hunter2pw";

    record Outcome(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Main.execute with System.out and System.err captured. */
    private static synchronized Outcome execute(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A command line with the given environment instead of the process's, output captured. */
    private static Outcome executeWithEnv(Map<String, String> env, String... args) {
        Errors errors = new Errors(false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new KeyferryCommand())
                .setDefaultValueProvider(new EnvDefaults(env))
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static void assertUsageError(Outcome o, String option) {
        assertEquals(1, o.exit(), o.toString());
        String err = o.err().strip();
        assertFalse(err.isEmpty(), o.toString());
        assertEquals(1, err.lines().count(), "one line expected: " + o);
        assertTrue(err.contains(option), option + " not named: " + o);
    }

    private static List<OptionSpec> everyOption() {
        List<OptionSpec> options = new ArrayList<>();
        collect(new CommandLine(new KeyferryCommand()), options);
        return options;
    }

    private static void collect(CommandLine cl, List<OptionSpec> options) {
        options.addAll(cl.getCommandSpec().options());
        cl.getSubcommands().values().forEach(sub -> collect(sub, options));
    }

    @Test
    void helpListsEveryCommand() {
        Outcome o = execute("--help");
        assertEquals(0, o.exit(), o.toString());
        for (String command : List.of("scan", "migrate", "verify", "run", "audit", "cutover", "demo")) {
            assertTrue(o.out().lines().anyMatch(l -> l.strip().startsWith(command + " ")), command + " missing in\n" + o.out());
        }
    }

    @Test
    void helpMentionsEnvironmentVariablesAndExitCodes() {
        Outcome o = execute("--help");
        assertTrue(o.out().contains("KEYFERRY_"), o.out());
        assertTrue(o.out().contains("Exit codes"), o.out());
    }

    @Test
    void everyCommandHasItsOwnHelp() {
        for (String command : List.of("scan", "migrate", "verify", "run", "audit", "cutover", "demo")) {
            Outcome o = execute(command, "--help");
            assertEquals(0, o.exit(), command + ": " + o);
            assertTrue(o.out().contains("Usage: keyferry " + command), o.out());
        }
    }

    @Test
    void runHelpShowsTheEnvironmentVariableOfItsOptions() {
        Outcome o = execute("run", "--help");
        assertEquals(0, o.exit(), o.toString());
        for (String variable : List.of("KEYFERRY_SOURCE", "KEYFERRY_TARGET", "KEYFERRY_RUN", "KEYFERRY_BOOTSTRAP_SERVERS",
                "KEYFERRY_RENAME", "KEYFERRY_ACTOR", "KEYFERRY_REPORT", "KEYFERRY_STATE_DIR", "KEYFERRY_TOPIC_PREFIX")) {
            assertTrue(o.out().contains(variable), variable + " missing in\n" + o.out());
        }
    }

    @Test
    void runHelpShowsDefaults() {
        Outcome o = execute("run", "--help");
        assertTrue(o.out().contains("Default: keyferry"), o.out());
        assertTrue(o.out().contains("Default: skip"), o.out());
    }

    @Test
    void everyOptionOfEveryCommandNamesItsEnvironmentVariable() {
        List<OptionSpec> options = everyOption();
        assertTrue(options.size() > 30, "expected the whole command tree, got " + options.size());
        List<String> missing = new ArrayList<>();
        for (OptionSpec o : options) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String description = String.join(" ", o.description());
            String expected = "Env: " + EnvDefaults.variable(o.longestName());
            if (!description.contains(expected)) {
                missing.add(o.longestName() + " (wants '" + expected + "')");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void versionPrintsAndExitsZero() {
        Outcome o = execute("--version");
        assertEquals(0, o.exit(), o.toString());
        assertFalse(o.out().isBlank(), o.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Outcome o = execute();
        assertEquals(1, o.exit(), o.toString());
        assertFalse(o.err().isBlank(), o.toString());
    }

    @Test
    void unknownOptionExitsOneNamingIt() {
        assertUsageError(execute("migrate", "--no-such-option", "--run", "x"), "--no-such-option");
        assertUsageError(execute("--frobnicate"), "--frobnicate");
    }

    @Test
    void unknownCommandExitsOne() {
        Outcome o = execute("teleport");
        assertUsageError(o, "teleport");
    }

    @Test
    void executeWithoutActorExitsOneNamingActor() {
        assertUsageError(execute("migrate", "--execute", "--run", "x", "--source", SRC, "--target", DST), "--actor");
        assertUsageError(execute("run", "--execute", "--run", "x", "--source", SRC, "--target", DST), "--actor");
    }

    @Test
    void blankActorIsNoActor() {
        assertUsageError(execute("migrate", "--execute", "--actor", " ", "--run", "x", "--source", SRC, "--target", DST), "--actor");
    }

    @Test
    void dryRunAndExecuteTogetherExitOne() {
        Outcome o = execute("migrate", "--dry-run", "--execute", "--actor", "me", "--run", "x", "--source", SRC, "--target", DST);
        assertUsageError(o, "--dry-run");
        assertTrue(o.err().contains("--execute"), o.toString());
    }

    @Test
    void badRenameExitsOneNamingRename() {
        assertUsageError(execute("migrate", "--run", "x", "--source", SRC, "--target", DST, "--rename", "a:{x} -> b:{y}"),
                "--rename");
        assertUsageError(execute("run", "--run", "x", "--source", SRC, "--target", DST, "--rename", "no arrow here"),
                "--rename");
        assertUsageError(execute("run", "--run", "x", "--source", SRC, "--target", DST, "--rename", "a:{x}:{x} -> b:{x}"),
                "--rename");
    }

    @Test
    void aBadRegexInRequireExitsOneNamingRequire() {
        assertUsageError(execute("run", "--run", "x", "--source", SRC, "--target", DST, "--rename", "a:{x} -> b:{x}",
                "--require", "x=[unclosed"), "--require");
    }

    @Test
    void badSourceSchemeExitsOneNamingSource() {
        assertUsageError(execute("migrate", "--run", "x", "--source", "ftp://x", "--target", DST), "--source");
        assertUsageError(execute("scan", "--run", "x", "--source", "ftp://x"), "--source");
    }

    @Test
    void badTargetExitsOneNamingTarget() {
        assertUsageError(execute("verify", "--run", "x", "--source", SRC, "--target", "redis://h/notadb"), "--target");
    }

    @Test
    void missingRunExitsOneNamingRun() {
        assertUsageError(execute("migrate", "--source", SRC, "--target", DST), "--run");
        assertUsageError(execute("audit"), "--run");
    }

    @Test
    void badRunIdExitsOneNamingRun() {
        assertUsageError(execute("migrate", "--run", "a b/c", "--source", SRC, "--target", DST), "--run");
    }

    @Test
    void missingSourceExitsOneNamingSource() {
        assertUsageError(execute("migrate", "--run", "x", "--target", DST), "--source");
    }

    @Test
    void badPolicyAndCopyModeExitOneNamingThem() {
        assertUsageError(execute("migrate", "--run", "x", "--source", SRC, "--target", DST, "--on-conflict", "clobber"),
                "--on-conflict");
        assertUsageError(execute("migrate", "--run", "x", "--source", SRC, "--target", DST, "--copy", "teleport"), "--copy");
    }

    @Test
    void badTypeExitsOneNamingType() {
        assertUsageError(execute("scan", "--run", "x", "--source", SRC, "--type", "blob"), "--type");
    }

    @Test
    void nonNumericValueExitsOneNamingTheOption() {
        assertUsageError(execute("scan", "--run", "x", "--source", SRC, "--batch", "lots"), "--batch");
    }

    @Test
    void negativeRpsExitsOneNamingIt() {
        assertUsageError(execute("migrate", "--run", "x", "--source", SRC, "--target", DST, "--rps", "-5"), "--rps");
    }

    @Test
    void passwordNeverAppearsInTheOutputOfAFailingCommand() {
        String source = "redis://admin:" + SECRET + "@127.0.0.1:1";
        List<Outcome> outcomes = List.of(
                execute("migrate", "--execute", "--run", "x", "--source", source, "--target", DST),
                execute("migrate", "--run", "x", "--source", source + "/notadb", "--target", DST),
                execute("migrate", "--run", "x", "--source", source + "/2", "--source-cluster", "--target", DST),
                execute("migrate", "--run", "x", "--source", source, "--target", "redis://" + SECRET + "@h/x"),
                execute("migrate", "--run", "x", "--source", source, "--target", DST, "--rename", "a:{x} -> b:{y}"),
                execute("migrate", "--run", "bad run!", "--source", source, "--target", DST),
                execute("migrate", "--run", "x", "--source", source, "--target", DST, "--bogus"),
                execute("migrate", "--run", "x", "--target", DST, source),
                execute("run", "--dry-run", "--execute", "--run", "x", "--source", source, "--target", DST));
        for (Outcome o : outcomes) {
            assertEquals(1, o.exit(), o.toString());
            assertFalse(o.err().isBlank(), o.toString());
            assertFalse(o.all().contains(SECRET), "password leaked: " + o);
        }
    }

    @Test
    void stacktraceFlagStillHidesThePassword() {
        Outcome o = execute("migrate", "--stacktrace", "--run", "x", "--source", "redis://u:" + SECRET + "@h/nodb",
                "--target", DST);
        assertEquals(1, o.exit(), o.toString());
        assertTrue(o.err().contains("--source"), o.toString());
        assertFalse(o.all().contains(SECRET), "password leaked: " + o);
    }

    @Test
    void helpNeverShowsAPasswordFromTheEnvironment() {
        Outcome o = executeWithEnv(Map.of("KEYFERRY_SOURCE", "redis://u:" + SECRET + "@h",
                "KEYFERRY_TARGET", "redis://" + SECRET + "@h"), "run", "--help");
        assertEquals(0, o.exit(), o.toString());
        assertTrue(o.out().contains("--source"), o.toString());
        assertFalse(o.all().contains(SECRET), o.toString());
    }

    @Test
    void environmentVariableNameIsTheUpperSnakeOption() {
        assertEquals("KEYFERRY_BOOTSTRAP_SERVERS", EnvDefaults.variable("--bootstrap-servers"));
        assertEquals("KEYFERRY_SOURCE", EnvDefaults.variable("--source"));
        assertEquals("KEYFERRY_TTL_TOLERANCE_MS", EnvDefaults.variable("--ttl-tolerance-ms"));
        assertEquals("KEYFERRY_X", EnvDefaults.variable("-x"));
    }

    @Test
    void providerReadsTheOptionsVariable() throws Exception {
        EnvDefaults env = new EnvDefaults(Map.of("KEYFERRY_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092"));
        OptionSpec bootstrap = OptionSpec.builder("--bootstrap-servers").type(String.class).build();
        assertEquals("kafka-1:9092,kafka-2:9092", env.defaultValue(bootstrap));
    }

    @Test
    void providerFallsBackToTheDeclaredDefault() throws Exception {
        EnvDefaults env = new EnvDefaults(Map.of("KEYFERRY_OTHER", "x"));
        OptionSpec prefix = OptionSpec.builder("--topic-prefix").type(String.class).defaultValue("keyferry").build();
        assertEquals("keyferry", env.defaultValue(prefix));
        OptionSpec bootstrap = OptionSpec.builder("--bootstrap-servers").type(String.class).build();
        assertEquals(null, env.defaultValue(bootstrap));
    }

    @Test
    void providerUsesTheLongestName() throws Exception {
        EnvDefaults env = new EnvDefaults(Map.of("KEYFERRY_VERBOSE", "true", "KEYFERRY_V", "false"));
        OptionSpec verbose = OptionSpec.builder("-v", "--verbose").type(boolean.class).build();
        assertEquals("true", env.defaultValue(verbose));
    }

    @Test
    void environmentReachesOptionsOfEveryCommand() {
        Outcome o = executeWithEnv(Map.of("KEYFERRY_SOURCE", "ftp://from-env", "KEYFERRY_RUN", "env-run"),
                "migrate", "--target", DST);
        assertUsageError(o, "--source");
        assertTrue(o.err().contains("ftp://from-env"), o.toString());
    }

    @Test
    void environmentCanSwitchOnExecute() {
        Outcome o = executeWithEnv(Map.of("KEYFERRY_EXECUTE", "true"), "migrate", "--run", "x", "--source", SRC, "--target", DST);
        assertUsageError(o, "--actor");
    }

    @Test
    void commandLineWinsOverTheEnvironment() {
        Outcome o = executeWithEnv(Map.of("KEYFERRY_RUN", "bad run id!"), "migrate", "--run", "good", "--source", "ftp://x",
                "--target", DST);
        assertUsageError(o, "--source");
        assertFalse(o.err().contains("bad run id"), o.toString());
    }

    @Test
    void cutoverRefusesABadQuietTimeOrTimeoutNamingIt() {
        assertUsageError(execute("cutover", "--run", "r", "--quiet-for", "-1"), "--quiet-for");
        assertUsageError(execute("cutover", "--run", "r", "--timeout", "0"), "--timeout");
    }

    @Test
    void cutoverWithoutARunningRunOnTheStateDirIsAUsageErrorNamingIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Outcome o = execute("cutover", "--run", "r", "--state-dir", dir.toString());
        assertUsageError(o, "--state-dir");
        assertEquals(0, dir.toFile().list().length, "nothing is created: " + o);
    }

    /** The Kafka settings a {@code run} command line resolves to, parsed but not run. */
    private static io.keyferry.core.config.KafkaSettings kafkaSettingsOf(Map<String, String> env, String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).setDefaultValueProvider(new EnvDefaults(env)).parseArgs(args);
        return run.kafka.settings();
    }

    @Test
    void partitionsDefaultToFourOnTheEmbeddedBrokerAndTwelveOnACluster() {
        assertEquals(4, kafkaSettingsOf(Map.of(), "--run", "r", "--source", SRC).partitions());
        assertEquals(12, kafkaSettingsOf(Map.of(), "--run", "r", "--source", SRC, "--bootstrap-servers", "k:9092").partitions());
        assertEquals(12, kafkaSettingsOf(Map.of("KEYFERRY_BOOTSTRAP_SERVERS", "k:9092"), "--run", "r", "--source", SRC).partitions());
        assertEquals(7, kafkaSettingsOf(Map.of(), "--run", "r", "--source", SRC, "--partitions", "7").partitions());
        assertEquals(9, kafkaSettingsOf(Map.of("KEYFERRY_PARTITIONS", "9"), "--run", "r", "--source", SRC,
                "--bootstrap-servers", "k:9092").partitions());
    }

    @Test
    void theCommandTreeHoldsTheContractsRoles() {
        CommandLine cl = new CommandLine(new KeyferryCommand());
        for (String command : List.of("scan", "migrate", "verify", "run", "audit", "cutover", "demo")) {
            assertNotNull(cl.getSubcommands().get(command), command);
        }
    }

    @Test
    void anUnreadablePasswordFileIsAOneLineUsageErrorNamingItsOption() {
        Outcome o = execute("migrate", "--run", "x", "--source", "rediss://migrator@127.0.0.1:1", "--source-password-file",
                "/x", "--target", DST);
        assertUsageError(o, "--source-password-file");
        assertEquals("keyferry: --source-password-file: cannot read /x: No such file", o.err().strip());
    }

    @Test
    void thePasswordFileComesFromTheEnvironmentToo() {
        Outcome o = executeWithEnv(Map.of("KEYFERRY_TARGET_PASSWORD_FILE", "/no/such/pw"),
                "verify", "--run", "x", "--source", SRC, "--target", "redis://127.0.0.1:1");
        assertUsageError(o, "--target-password-file");
    }

    @Test
    void tlsOptionsWithAPlainRedisUrlAreRefused() {
        assertUsageError(execute("scan", "--run", "x", "--source", SRC, "--source-insecure"), "--source-insecure");
        assertUsageError(execute("reconcile", "--source", SRC, "--target", DST, "--target-ca-file", "/none.pem"),
                "--target-ca-file");
    }

    @Test
    void aPasswordFileAndAUrlPasswordTogetherAreRefusedWithoutShowingThePassword() throws Exception {
        java.nio.file.Path pw = java.nio.file.Files.createTempFile("kf-pw", "");
        try {
            java.nio.file.Files.writeString(pw, "other\n");
            Outcome o = execute("run", "--run", "x", "--source", "redis://u:" + SECRET + "@127.0.0.1:1",
                    "--source-password-file", pw.toString(), "--target", DST);
            assertUsageError(o, "--source-password-file");
            assertFalse(o.all().contains(SECRET), o.toString());
        } finally {
            java.nio.file.Files.deleteIfExists(pw);
        }
    }

    @Test
    void logFormatJsonTurnsEveryLogLineIntoAJsonObject() throws Exception {
        Outcome o = execute("scan", "--run", "x", "--source", "rediss://127.0.0.1:1", "--source-insecure", "--log-format", "json");

        assertEquals(1, o.exit(), o.toString());
        String warn = o.err().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(o));
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(warn);
        assertEquals("WARN", json.get("level").asText());
        assertTrue(json.get("message").asText().startsWith("--source-insecure: the certificate of 127.0.0.1:1"), warn);
        assertTrue(o.err().lines().anyMatch(l -> l.startsWith("keyferry: --source: cannot connect")), o.toString());
    }

    @Test
    void anUnknownLogFormatIsAUsageErrorAndTheEnvironmentCanChooseIt() {
        assertUsageError(execute("status", "--run", "x", "--log-format", "xml"), "--log-format");
        assertUsageError(executeWithEnv(Map.of("KEYFERRY_LOG_FORMAT", "yaml"), "status", "--run", "x"), "--log-format");
        assertEquals(0, execute("status", "--log-format", "JSON", "--help").exit());
    }
}
