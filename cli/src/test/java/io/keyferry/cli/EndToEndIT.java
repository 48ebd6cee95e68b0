package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * keyferry driven by literal command lines against a real Kafka broker and real redis-servers.
 */
class EndToEndIT {
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static TestKafka kafka;

    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
    }

    @AfterEach
    void stopRedis() {
        source.close();
        target.close();
    }

    private String run() {
        return "it-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    }

    private String endpoints() {
        return "--source " + source.uri() + " --target " + target.uri() + " --bootstrap-servers " + kafka.bootstrapServers()
                + " --state-dir " + tmp.resolve("state");
    }

    /** One key of every struct type, some with a TTL; returns how many keys. */
    private int loadEveryType() {
        RedisCommands<String, String> s = source.strings();
        s.set("job:plain", "hello world");
        s.set("job:json", "{ \"b\": [1, 2.50, {\"z\": true, \"a\": null}], \"a\": \"x\" }");
        s.psetex("job:ttl-string", 60_000, "expires");
        s.hset("job:hash", Map.of("status", "running", "workspace_id", "ws-1", "payload", "{\"k\": 1}"));
        s.pexpire("job:hash", 90_000);
        s.rpush("job:list", "c", "a", "b", "a");
        s.sadd("job:set", "x", "y", "z");
        s.zadd("job:zset", ScoredValue.just(1.5, "one-and-a-half"), ScoredValue.just(-3, "minus-three"),
                ScoredValue.just(Double.POSITIVE_INFINITY, "top"), ScoredValue.just(0.1, "tenth"));
        s.pexpire("job:zset", 120_000);
        return 7;
    }

    @Test
    void aDryRunReportsWouldCopyForEveryKeyAndWritesNothing() throws Exception {
        int keys = loadEveryType();
        Path report = tmp.resolve("dry.csv");
        Cli.Outcome o = Cli.run("run --run " + run() + " --dry-run --match job:* --report " + report + " " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(keys, o.count("would_copy"));
        assertEquals(keys, o.count("verdict_not_applicable"));
        assertEquals(0L, target.strings().dbsize());
        List<String> lines = Files.readAllLines(report);
        assertEquals("run,key,target_key,type,source_size,source_sha256,target_size,target_sha256,status,reason,verdict", lines.get(0));
        assertEquals(keys + 1, lines.size());
        assertTrue(lines.stream().skip(1).allMatch(l -> l.endsWith(",would_copy,,not_applicable")), lines.toString());
    }

    @Test
    void anExecuteRunCopiesEveryTypeExactlyWithItsTtl() {
        loadEveryType();
        Path report = tmp.resolve("exec.csv");
        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match job:* --report " + report + " " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(7, o.count("copied"));
        assertEquals(7, o.count("verdict_match"));
        RedisCommands<String, String> s = source.strings();
        RedisCommands<String, String> t = target.strings();
        assertEquals(7L, t.dbsize());
        for (String key : s.keys("job:*")) {
            assertEquals(s.type(key), t.type(key), key);
            assertArrayEquals(content(source, key), content(target, key), key);
            long sourceTtl = s.pttl(key);
            long targetTtl = t.pttl(key);
            if (sourceTtl < 0) {
                assertEquals(sourceTtl, targetTtl, key);
            } else {
                assertTrue(Math.abs(sourceTtl - targetTtl) <= 100, key + ": source ttl " + sourceTtl + ", target " + targetTtl);
            }
        }
        assertEquals("{ \"b\": [1, 2.50, {\"z\": true, \"a\": null}], \"a\": \"x\" }", t.get("job:json"),
                "JSON is copied byte for byte; only its hash is canonical");
        assertEquals(List.of("c", "a", "b", "a"), t.lrange("job:list", 0, -1));
        assertEquals(Double.POSITIVE_INFINITY, t.zscore("job:zset", "top"));
        assertEquals(0.1, t.zscore("job:zset", "tenth"));
    }

    @Test
    void aSecondExecuteRunFindsEverythingAlreadyMatchingAndWritesNothing() {
        loadEveryType();
        assertEquals(0, Cli.run("run --run " + run() + " --execute --actor it --match job:* " + endpoints()).exitCode());
        long writesBefore = writes(target);

        Cli.Outcome again = Cli.run("run --run " + run() + " --execute --actor it --match job:* " + endpoints());

        assertEquals(0, again.exitCode(), again.toString());
        assertEquals(7, again.count("already_match"));
        assertEquals(0, again.count("copied"));
        assertEquals(7, again.count("verdict_match"));
        assertEquals(writesBefore, writes(target), "the second run must not write the target");
    }

    @Test
    void anExistingDifferentTargetKeyIsLeftUntouchedAndReportedConflictSkipped() {
        source.strings().hset("job:1", Map.of("status", "done"));
        source.strings().hset("job:2", Map.of("status", "done"));
        target.strings().hset("step:1", Map.of("status", "theirs"));

        Cli.Outcome dry = Cli.run("run --run " + run() + " --match job:* --rename 'job:{id} -> step:{id}' " + endpoints());
        assertEquals(1, dry.count("conflict_skipped"), "a dry run predicts the conflict");
        assertEquals(1, dry.count("would_copy"));

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match job:* --rename 'job:{id} -> step:{id}' " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(1, o.count("conflict_skipped"));
        assertEquals(1, o.count("copied"));
        assertEquals(Map.of("status", "theirs"), target.strings().hgetall("step:1"));
        assertEquals(Map.of("status", "done"), target.strings().hgetall("step:2"));
        assertEquals(0L, target.strings().exists("job:1", "job:2"));
    }

    @Test
    void theThreeRolesRunAsSeparateCommandsAndAKeyDeletedAfterTheScanIsSourceMissing() throws Exception {
        String run = run();
        source.strings().set("job:a", "1");
        source.strings().set("job:b", "2");
        source.strings().set("job:gone", "3");
        Path keys = tmp.resolve("cohort.txt");
        Files.writeString(keys, "job:a\njob:b\njob:gone\njob:never-existed\n");

        Cli.Outcome scan = Cli.run("scan --run " + run + " --keys-file " + keys + " --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(0, scan.exitCode(), scan.toString());
        assertTrue(scan.out().contains("4 key references published, complete"), scan.out());
        source.strings().del("job:gone");

        int httpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        Process migrator = new ProcessBuilder(javaCommand("migrate", "--run", run, "--execute", "--actor", "it",
                "--source", source.uri(), "--target", target.uri(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--state-dir", tmp.resolve("migrator-state").toString(), "--http-port", Integer.toString(httpPort)))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("migrator.log").toFile()).start();
        try {
            Path report = tmp.resolve("verify.csv");
            Cli.Outcome verify = Cli.run("verify --run " + run + " --until-complete --report " + report + " " + endpoints());
            assertEquals(0, verify.exitCode(), verify + "\nmigrator log:\n" + Files.readString(tmp.resolve("migrator.log")));
            assertEquals(2, verify.count("copied"));
            assertEquals(2, verify.count("source_missing"));
            assertEquals(2, verify.count("verdict_match"));
            assertEquals(2, verify.count("verdict_not_applicable"));
            List<String> lines = Files.readAllLines(report);
            assertEquals(5, lines.size(), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(run + ",job:gone,job:gone,,,,,,source_missing,,not_applicable")), lines.toString());

            Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
            assertEquals(0, audit.exitCode(), audit.toString());
            assertEquals(4, audit.out().lines().count(), audit.out());
            assertTrue(audit.out().lines().anyMatch(l -> l.contains("match copied job:a -> job:a string src=1B/")), audit.out());
            Cli.Outcome mismatches = Cli.run("audit --run " + run + " --mismatches --bootstrap-servers " + kafka.bootstrapServers());
            assertEquals("", mismatches.out());

            Process follow = new ProcessBuilder(javaCommand("audit", "--run", run, "--follow", "--bootstrap-servers",
                    kafka.bootstrapServers())).redirectError(tmp.resolve("follow.err").toFile()).start();
            try (var followed = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream()))) {
                for (int i = 0; i < 4; i++) {
                    assertNotNull(followed.readLine(), "audit --follow prints the trail and keeps going");
                }
                assertTrue(follow.isAlive(), "--follow keeps following after the last record");
            } finally {
                follow.destroy();
                assertTrue(follow.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            }

            String metrics = http(httpPort, "/metrics");
            assertTrue(metrics.contains("keyferry_keys_total{status=\"copied\",workspace=\"none\"} 2.0"), metrics);
            assertTrue(metrics.contains("keyferry_keys_total{status=\"source_missing\",workspace=\"none\"} 2.0"), metrics);
            assertTrue(metrics.contains("keyferry_key_seconds_count{workspace=\"none\"} 4"), metrics);
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics too");
            var health = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http(httpPort, "/health"));
            assertEquals(run, health.get("run").asText());
            assertEquals("execute", health.get("mode").asText());
            assertTrue(health.get("kafka_reachable").asBoolean(), health.toString());
            assertTrue(health.get("source_ping_ms").asLong() >= 0 && health.get("target_ping_ms").asLong() >= 0, health.toString());
            assertEquals(0, health.path("lag").path("migrator").asLong(-1), "everything processed: " + health);
            assertEquals("ready\n", http(httpPort, "/ready"));

            Cli.Outcome status = Cli.run("status --run " + run + " --keys --bootstrap-servers " + kafka.bootstrapServers());
            assertTrue(status.out().startsWith("job:a copied match\njob:b copied match\njob:gone source_missing not_applicable\n"
                    + "job:never-existed source_missing not_applicable\n"), status.out());
            assertEquals(0, status.exitCode(), status.toString());
            assertTrue(status.out().contains(" scanned=4 scan_done=true processed=4 verified=4 mismatches=0 migrator_lag=0 "),
                    status.out());
            assertTrue(status.out().contains(" eta_s=0 complete=true"), status.out());
        } finally {
            migrator.destroy();
            assertTrue(migrator.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the migrator stops on SIGTERM");
        }
        String log = Files.readString(tmp.resolve("migrator.log"));
        assertEquals(143, migrator.exitValue(), "SIGTERM ends the JVM with 128+15 after the shutdown hook ran\n" + log);
        assertFalse(log.contains("ERROR"), log);
        assertEquals("1", target.strings().get("job:a"));
        assertEquals(0L, target.strings().exists("job:gone"));
    }

    @Test
    void aBinaryKeyRoundTripsExactlyAndIsRenamedByteForByte() throws Exception {
        byte[] key = {'b', 'i', 'n', ':', (byte) 0xff, 0, '\n', ',', (byte) 0xc3};
        byte[] value = {0, 1, 2, (byte) 0xfe, '"', '\n'};
        source.bytes().set(key, value);
        Path report = tmp.resolve("bin.csv");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match bin:* --rename 'bin:{id*} -> moved:{id}' --report "
                + report + " " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(1, o.count("copied"));
        assertEquals(1, o.count("verdict_match"));
        byte[] renamed = {'m', 'o', 'v', 'e', 'd', ':', (byte) 0xff, 0, '\n', ',', (byte) 0xc3};
        assertArrayEquals(value, target.bytes().get(renamed));
        String csv = Files.readString(report, StandardCharsets.UTF_8);
        assertTrue(csv.contains("\"bin:\\xff\\x00\\x0a,\\xc3\",\"moved:\\xff\\x00\\x0a,\\xc3\",string,6,"), csv);
    }

    @Test
    void aDumpModeRunCopiesEveryTypeIncludingAStreamAndVerifiesByCanonicalHash() {
        loadEveryType();
        source.strings().xadd("job:events", Map.of("f", "v1"));
        source.strings().xadd("job:events", Map.of("f", "v2", "g", "w"));
        source.strings().xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from("job:events", "0-0"), "workers");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --copy dump --match job:* " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(8, o.count("copied"));
        assertEquals(8, o.count("verdict_match"));
        for (String key : source.strings().keys("job:*")) {
            assertArrayEquals(content(source, key), content(target, key), key);
        }
        assertEquals(source.strings().xrange("job:events", io.lettuce.core.Range.create("-", "+")).toString(),
                target.strings().xrange("job:events", io.lettuce.core.Range.create("-", "+")).toString());
        assertEquals(1, target.strings().xinfoGroups("job:events").size());
    }

    @Test
    void aStructRunCopiesAStreamWithItsEntryIdsAndGroups() {
        source.strings().xadd("job:events", Map.of("f", "v1"));
        source.strings().xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from("job:events", "$"), "workers");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match job:* " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(1, o.count("verdict_match"));
        assertEquals(source.strings().xrange("job:events", io.lettuce.core.Range.create("-", "+")).toString(),
                target.strings().xrange("job:events", io.lettuce.core.Range.create("-", "+")).toString());
        assertEquals(1, target.strings().xinfoGroups("job:events").size());
    }

    @Test
    void aKeyTheTargetRefusesIsAnErrorWithoutThePasswordTheRestGoesOnAndTheRunExitsTwo() throws Exception {
        target.close();
        target = TestRedis.start("--user", "writer", "on", ">s3cretpw", "~job:ok*", "+@all");
        source.strings().set("job:ok", "fine");
        source.strings().set("job:forbidden", "no");
        String restricted = target.uri().replace("redis://", "redis://writer:s3cretpw@");
        Path report = tmp.resolve("e.csv");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match job:* --max-retries 0 --report " + report
                + " --source " + source.uri() + " --target " + restricted + " --bootstrap-servers " + kafka.bootstrapServers()
                + " --state-dir " + tmp.resolve("state"));

        assertEquals(2, o.exitCode(), o.toString());
        assertEquals(1, o.count("errors"));
        assertEquals(1, o.count("copied"));
        assertEquals(0L, target.strings().exists("job:forbidden"));
        assertEquals("fine", target.strings().get("job:ok"));
        assertFalse((o.out() + o.err() + Files.readString(report)).contains("s3cretpw"), o.toString());
        assertTrue(Files.readAllLines(report).stream().anyMatch(l -> l.contains(",job:forbidden,") && l.contains(",error,")
                && l.contains("NOPERM")), "the report says why: " + Files.readString(report));
        Cli.Outcome audit = Cli.run("audit --run " + o.out().lines().findFirst().orElseThrow().split(" ")[1].replace(":", "")
                + " --bootstrap-servers " + kafka.bootstrapServers());
        assertTrue(audit.out().contains("error: ") && audit.out().contains("NOPERM"), audit.out());
        assertFalse(audit.out().contains("s3cretpw"), audit.out());
    }

    @Test
    void dumpModeAgainstAServerWithoutDumpIsRefusedAtStartUpNamingTheOption() {
        source.close();
        source = TestRedis.start("--rename-command", "DUMP", "");
        source.strings().set("job:1", "v");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --copy dump " + endpoints());

        assertEquals(1, o.exitCode(), o.toString());
        assertTrue(o.err().startsWith("keyferry: --source: the server does not offer DUMP"), o.err());
        assertEquals(0L, target.strings().dbsize());
    }

    @Test
    void aRunRefusedAtStartUpStopsTheEmbeddedBrokerItWasStartingMeanwhile() throws Exception {
        source.close();
        source = TestRedis.start("--rename-command", "DUMP", "");
        source.strings().set("job:1", "v");
        Path state = tmp.resolve("state");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --copy dump --source " + source.uri()
                + " --target " + target.uri() + " --state-dir " + state);

        assertEquals(1, o.exitCode(), o.toString());
        assertTrue(o.err().startsWith("keyferry: --source: the server does not offer DUMP"), o.err());
        assertEquals(java.util.Optional.empty(), io.keyferry.local.EmbeddedBroker.runningAt(state.resolve("kafka")));
        try (var again = io.keyferry.local.EmbeddedBroker.start(state.resolve("kafka"))) {
            assertNotNull(again.bootstrapServers(), "the state dir was left unlocked, its broker stopped");
        }
        assertEquals(0L, target.strings().dbsize());
    }

    @Test
    void aRunIdUsedForADryRunIsRefusedForExecuteAndNothingIsWritten() {
        source.strings().set("job:1", "v");
        String run = run();
        assertEquals(0, Cli.run("run --run " + run + " --dry-run --match job:* " + endpoints()).exitCode());

        Cli.Outcome o = Cli.run("run --run " + run + " --execute --actor it --match job:* " + endpoints());

        assertEquals(1, o.exitCode(), o.toString());
        assertTrue(o.err().startsWith("keyferry: --run: run " + run + " was started as dry-run"), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
        assertEquals(0L, target.strings().dbsize());
    }

    @Test
    void aWorkspaceScopedRunSkipsKeysOfAnotherWorkspace() {
        source.strings().set("ai:jobs:ws1:7", "mine");
        source.strings().set("ai:jobs:ws2:8", "theirs");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --workspace ws1 --match ai:jobs:* "
                + "--rename 'ai:jobs:{workspace_id}:{job_id} -> ai:job:{workspace_id}:{job_id}' " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(1, o.count("copied"));
        assertEquals(1, o.count("skipped_other_workspace"));
        assertEquals("mine", target.strings().get("ai:job:ws1:7"));
        assertEquals(0L, target.strings().exists("ai:job:ws2:8"));
    }

    @Test
    void aWorkspaceThatNothingCanFilterIsRefusedAtStartUpAndNothingIsReadOrWritten() throws Exception {
        source.strings().set("job:1", "one");
        String run = run();
        Cli.Outcome o = Cli.run("run --run " + run + " --execute --actor it --workspace ws-a --match job:* "
                + "--rename 'job:{id} -> step:{id}' " + endpoints());
        assertEquals(1, o.exitCode(), o.toString());
        assertEquals("keyferry: --workspace: nothing tells a key's workspace: give a --rename that captures {workspace_id} "
                + "or a --derive 'workspace_id=...'", o.err().strip());
        assertEquals(0L, target.strings().dbsize());

        // The roles apart: a migrator that cannot filter joins a run a scanner scoped to a workspace.
        Cli.Outcome scan = Cli.run("scan --run " + run + " --workspace ws-a --match job:* --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(0, scan.exitCode(), scan.toString());
        Cli.Outcome migrate = Cli.run("migrate --run " + run + " --execute --actor it --rename 'job:{id} -> step:{id}' "
                + endpoints());
        assertEquals(1, migrate.exitCode(), migrate.toString());
        assertTrue(migrate.err().startsWith("keyferry: --workspace: scanner ws-a-"), migrate.err());
        assertTrue(migrate.err().contains(" scopes it to workspace ws-a, but no --rename captures {workspace_id}"), migrate.err());
        assertEquals(0L, target.strings().dbsize());

        // And the other way round: a scan with --workspace of a run whose migrator cannot filter.
        String other = run();
        source.strings().set("ai:jobs:w:1", "x");
        Cli.Outcome started = Cli.run("run --run " + other + " --dry-run --match job:* " + endpoints());
        assertEquals(0, started.exitCode(), started.toString());
        Cli.Outcome late = Cli.run("scan --run " + other + " --workspace ws-a --match job:* --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(1, late.exitCode(), late.toString());
        assertTrue(late.err().startsWith("keyferry: --workspace: run " + other + "'s migrators capture no {workspace_id}"), late.err());
    }

    @Test
    void aWorkspaceIdFromAHashFieldNamesTheTargetAndAMissingOrMalformedOneIsNeverWritten() throws Exception {
        source.strings().hset("ai:jobs:j-1", Map.of("workspace_id", "ws-1", "state", "done"));
        source.strings().hset("ai:jobs:j-2", Map.of("workspace_id", "ws-2", "state", "running"));
        source.strings().hset("ai:jobs:j-3", Map.of("state", "orphaned"));
        source.strings().hset("ai:jobs:j-4", Map.of("workspace_id", "ws 4; DROP", "state", "bad"));
        Path report = tmp.resolve("ai.csv");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor it --match ai:jobs:* "
                + "--rename 'ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}' --derive workspace_id=field:workspace_id "
                + "--require 'workspace_id=ws-[0-9]+' --report " + report + " " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(2, o.count("copied"));
        assertEquals(2, o.count("skipped_invalid"));
        assertEquals("done", target.strings().hget("ai:job:ws-1:j-1", "state"));
        assertEquals("running", target.strings().hget("ai:job:ws-2:j-2", "state"));
        assertEquals(2L, target.strings().dbsize(), "nothing else was written");
        assertTrue(Files.readAllLines(report).stream().anyMatch(l -> l.matches(".*,ai:jobs:j-3,,hash,\\d+,[0-9a-f]{64},,,skipped,"
                + "invalid: no \\{workspace_id\\} in the value \\(workspace_id=field:workspace_id\\),not_applicable")), Files.readString(report));
        assertTrue(Files.readAllLines(report).stream().anyMatch(l -> l.matches(".*,ai:jobs:j-4,,hash,\\d+,[0-9a-f]{64},,,skipped,"
                + "invalid: \\{workspace_id\\} does not match ws-\\[0-9\\]\\+,not_applicable")), Files.readString(report));
    }

    @Test
    void statusByANameCountsEachSubjectsKeysAndAnUnknownNameIsRefused() throws Exception {
        for (int i = 1; i <= 5; i++) {
            source.strings().hset("ai:jobs:j-" + i, Map.of("workspace_id", i <= 3 ? "ws-a" : "ws-b", "n", "" + i));
        }
        source.strings().hset("ai:jobs:j-6", Map.of("workspace_id", "ws-b", "n", "6"));
        target.strings().set("ai:job:ws-b:j-6", "someone else's");
        source.strings().set("ai:jobs:j-x", "not a hash: no workspace in it");
        String run = run();
        Cli.Outcome o = Cli.run("run --run " + run + " --execute --actor it --match ai:jobs:* "
                + "--rename 'ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}' --derive workspace_id=field:workspace_id "
                + endpoints());
        assertEquals(0, o.exitCode(), o.toString());

        Cli.Outcome by = Cli.run("status --run " + run + " --by workspace_id --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(0, by.exitCode(), by.toString());
        List<String> lines = by.out().lines().filter(l -> l.startsWith("by ")).toList();
        assertEquals(List.of(
                "by workspace_id=-   keys=1 copied=0 skipped=1 conflicts=0 errors=0 mismatches=0".replace("   ", " "),
                "by workspace_id=ws-a keys=3 copied=3 skipped=0 conflicts=0 errors=0 mismatches=0",
                "by workspace_id=ws-b keys=3 copied=2 skipped=0 conflicts=1 errors=0 mismatches=0"), lines);

        Cli.Outcome jobs = Cli.run("status --run " + run + " --by job_id --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(7, jobs.out().lines().filter(l -> l.startsWith("by job_id=j-")).count(), jobs.out());

        Cli.Outcome unknown = Cli.run("status --run " + run + " --by user --bootstrap-servers " + kafka.bootstrapServers());
        assertEquals(1, unknown.exitCode(), unknown.toString());
        assertEquals("keyferry: --by: run " + run + "'s keys have no {user}; their names are {job_id}, {workspace_id}",
                unknown.err().strip());
    }

    @Test
    void replaceIfDifferentReplacesOnlyDifferingKeysOfTheSameTypeAndKeepsTheOldValueOnTheBackupTopic() throws Exception {
        source.strings().hset("job:1", Map.of("status", "new"));
        source.strings().hset("job:2", Map.of("status", "same"));
        source.strings().hset("job:3", Map.of("status", "typed"));
        target.strings().hset("job:1", Map.of("status", "old", "extra", "gone after"));
        target.strings().pexpire("job:1", 600_000);
        target.strings().hset("job:2", Map.of("status", "same"));
        target.strings().set("job:3", "a string, not a hash");
        byte[] oldDump = target.bytes().dump("job:1".getBytes());
        String run = run();

        Cli.Outcome dry = Cli.run("run --run " + run + "-dry --match job:* --on-conflict replace-if-different " + endpoints());
        assertEquals(1, dry.count("would_copy"), dry.toString());
        assertEquals(1, dry.count("already_match"));
        assertEquals(1, dry.count("conflict_skipped"));

        Cli.Outcome o = Cli.run("run --run " + run + " --execute --actor it --match job:* --on-conflict replace-if-different " + endpoints());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(1, o.count("copied"));
        assertEquals(1, o.count("already_match"));
        assertEquals(1, o.count("conflict_skipped"));
        assertEquals(2, o.count("verdict_match"), "the replaced key and the matching one both verify");
        assertEquals(Map.of("status", "new"), target.strings().hgetall("job:1"));
        assertEquals(-1L, target.strings().pttl("job:1"), "the source's TTL (none) comes along");
        assertEquals("a string, not a hash", target.strings().get("job:3"));

        List<io.keyferry.core.model.BackupRecord> backups = backups(run);
        assertEquals(1, backups.size(), backups.toString());
        io.keyferry.core.model.BackupRecord b = backups.get(0);
        assertEquals("job:1", b.targetKey().display());
        assertArrayEquals(oldDump, b.payload(), "the previous value, byte for byte");
        assertTrue(b.ttlMs() > 500_000, "and its TTL: " + b.ttlMs());
    }

    @Test
    void rollbackDeletesWhatTheRunCreatedRestoresWhatItReplacedAndLeavesChangedKeysAlone() {
        source.strings().set("job:new", "created by the run");
        source.strings().set("job:touched", "created, then changed by the application");
        source.strings().set("job:replaced", "new value");
        target.strings().psetex("job:replaced", 600_000, "old value");
        byte[] oldDump = target.bytes().dump("job:replaced".getBytes());
        target.strings().set("other", "not part of the run");
        String run = run();
        assertEquals(0, Cli.run("run --run " + run + " --execute --actor it --match job:* --on-conflict replace-if-different "
                + endpoints()).exitCode());
        target.strings().set("job:touched", "the application's own value now");
        String rollback = "rollback --run " + run + " --target " + target.uri() + " --bootstrap-servers " + kafka.bootstrapServers();

        Cli.Outcome dry = Cli.run(rollback);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("would delete job:new\n"), dry.out());
        assertTrue(dry.out().contains("would restore job:replaced\n"), dry.out());
        assertTrue(dry.out().contains("left alone (changed since the run) job:touched\n"), dry.out());
        assertEquals("created by the run", target.strings().get("job:new"), "a dry run changes nothing");

        Cli.Outcome o = Cli.run(rollback + " --execute --actor it");

        assertEquals(0, o.exitCode(), o.toString());
        assertTrue(o.out().contains("rollback run=" + run + " mode=execute actor=it delete=1 restore=1 left_alone=1"), o.out());
        assertEquals(0L, target.strings().exists("job:new"));
        assertArrayEquals(oldDump, target.bytes().dump("job:replaced".getBytes()), "restored byte for byte");
        long ttl = target.strings().pttl("job:replaced");
        assertTrue(ttl > 500_000 && ttl <= 600_000, "with the TTL it had left: " + ttl);
        assertEquals("the application's own value now", target.strings().get("job:touched"));
        assertEquals("not part of the run", target.strings().get("other"));
        Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
        assertTrue(audit.out().contains(" rollback delete job:new actor=it"), audit.out());
        assertTrue(audit.out().contains(" rollback restore job:replaced actor=it"), audit.out());
        assertTrue(audit.out().contains(" rollback left_alone (not done) job:touched actor=it"), audit.out());
    }

    @Test
    void reconcileFindsMissingOrphanedAndMismatchedKeysInBothDirectionsAndFixesOnlyTheMissing() throws Exception {
        source.strings().set("job:1", "same");
        target.strings().set("step:1", "same");
        source.strings().set("job:2", "only in source");
        source.strings().set("job:3", "source value");
        target.strings().set("step:3", "target value");
        source.strings().set("job:4", "ttl differs");
        target.strings().psetex("step:4", 100_000, "ttl differs");
        target.strings().set("step:9", "no job:9 behind it");
        target.strings().set("unrelated", "not of the rule's shape");
        Path report = tmp.resolve("reconcile.json");
        String line = "reconcile --source " + source.uri() + " --target " + target.uri()
                + " --match job:* --rename 'job:{id} -> step:{id}' --report " + report;

        Cli.Outcome o = Cli.run(line);

        assertEquals(2, o.exitCode(), o.toString());
        assertTrue(o.out().contains("reconcile missing_in_target=1 orphans_in_target=1 mismatches=2 fixed=0"), o.out());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.toFile());
        assertEquals("job:2", json.at("/missing_in_target/0/key").asText());
        assertEquals("step:2", json.at("/missing_in_target/0/target_key").asText());
        assertEquals("step:9", json.at("/orphans_in_target/0/target_key").asText());
        assertEquals(2, json.get("mismatches").size());
        assertTrue(json.get("mismatches").toString().contains("{\"key\":\"job:3\",\"target_key\":\"step:3\",\"kind\":\"value\"}"), json.toString());
        assertTrue(json.get("mismatches").toString().contains("\"kind\":\"ttl\""), json.toString());
        assertEquals(4, json.at("/counts/source/string").asInt());
        assertEquals(4, json.at("/counts/target/string").asInt(), "step:* keys only: 'unrelated' is not of the TO shape");

        Cli.Outcome noActor = Cli.run(line + " --fix");
        assertEquals(1, noActor.exitCode(), noActor.toString());
        assertEquals("keyferry: --actor: is required with --fix (who changes the target; recorded on the audit topic)",
                noActor.err().strip());
        assertEquals(0L, target.strings().exists("step:2"), "nothing was written");

        String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers();
        Cli.Outcome fixed = Cli.run(line + " --fix --actor alice" + kafkaArgs);
        assertTrue(fixed.out().contains("missing_in_target=1 orphans_in_target=1 mismatches=2 fixed=1"), fixed.out());
        assertEquals("only in source", target.strings().get("step:2"));
        assertEquals("target value", target.strings().get("step:3"), "a mismatch is left for a human");
        assertEquals("no job:9 behind it", target.strings().get("step:9"), "an orphan is never deleted");
        assertEquals(2, fixed.exitCode(), "orphans and mismatches remain");

        // Each fix is on the audit topic under the reconcile's own run id, by its actor.
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("(?m)^reconcile run (reconcile-\\S+): ").matcher(fixed.out());
        assertTrue(id.find(), fixed.out());
        assertTrue(fixed.out().contains(" run=" + id.group(1)), fixed.out());
        Cli.Outcome audit = Cli.run("audit --run " + id.group(1) + kafkaArgs);
        assertEquals(0, audit.exitCode(), audit.toString());
        assertEquals(1, audit.out().lines().count(), audit.out());
        assertTrue(audit.out().contains(" match copied job:2 -> step:2 string ") && audit.out().contains(" actor=alice"), audit.out());
        Cli.Outcome undo = Cli.run("rollback --run " + id.group(1) + " --target " + target.uri() + kafkaArgs);
        assertEquals(0, undo.exitCode(), undo.toString());
        assertTrue(undo.out().contains("would delete step:2"), "a fix can be rolled back like a run: " + undo.out());
    }

    @Test
    void reconcileOfACohortLooksOnlyAtTheCohortsImageInTheTarget() throws Exception {
        source.strings().set("job:11", "a");
        source.strings().set("job:12", "b");
        source.strings().set("job:2", "outside the cohort");
        target.strings().set("step:11", "a");
        target.strings().set("step:abc", "some other job's, outside the cohort");
        target.strings().set("step:13", "no job:13 behind it: the cohort's orphan");
        target.strings().sadd("step:2", "outside the cohort, another type");
        String line = "reconcile --source " + source.uri() + " --target " + target.uri() + " --rename 'job:{id} -> step:{id}'";

        Cli.Outcome glob = Cli.run(line + " --match job:1?");
        assertEquals(2, glob.exitCode(), glob.toString());
        assertTrue(glob.out().contains("reconcile missing_in_target=1 orphans_in_target=1 mismatches=0 fixed=0 "
                + "source={string=2} target={string=2}"), glob.out());
        assertTrue(glob.out().contains("orphan in target: step:13"), glob.out());
        assertFalse(glob.out().contains("step:abc"), glob.out());

        Path cohort = tmp.resolve("cohort.txt");
        Files.writeString(cohort, "job:11\njob:13\n");
        Cli.Outcome listed = Cli.run(line + " --keys-file " + cohort);
        assertEquals(2, listed.exitCode(), listed.toString());
        assertTrue(listed.out().contains("reconcile missing_in_target=0 orphans_in_target=1 mismatches=0 fixed=0 "
                + "source={string=1} target={string=2}"), listed.out());

        Cli.Outcome clean = Cli.run(line + " --key job:11");
        assertEquals(0, clean.exitCode(), clean.toString());
        assertTrue(clean.out().contains("reconcile missing_in_target=0 orphans_in_target=0 mismatches=0 fixed=0 "
                + "source={string=1} target={string=1}"), clean.out());

        Cli.Outcome typed = Cli.run(line + " --type set");
        assertTrue(typed.out().contains("source={} target={}"), typed.out());
    }

    @Test
    void underReplaceIfDifferentAKeyWhoseSourceChangedAfterTheCopyGetsOneMorePassAndEndsMatching() throws Exception {
        String run = run();
        source.strings().set("job:stable", "1");
        source.strings().set("job:moving", "before");
        assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers()).exitCode());
        Process migrator = new ProcessBuilder(javaCommand("migrate", "--run", run, "--execute", "--actor", "it",
                "--on-conflict", "replace-if-different", "--source", source.uri(), "--target", target.uri(),
                "--bootstrap-servers", kafka.bootstrapServers(), "--state-dir", tmp.resolve("m").toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("m.log").toFile()).start();
        try {
            io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> "before".equals(target.strings().get("job:moving")));
            assertEquals("before", target.strings().get("job:moving"), Files.readString(tmp.resolve("m.log")));
            source.strings().set("job:moving", "after"); // an application writes it after the copy

            Cli.Outcome verify = Cli.run("verify --run " + run + " --until-complete " + endpoints());

            assertEquals(0, verify.exitCode(), verify.toString());
            assertEquals(2, verify.count("verdict_match"), "the second pass copied the new value and it verified");
            assertEquals(0, verify.count("verdict_source_changed"));
            assertEquals("after", target.strings().get("job:moving"));
            Cli.Outcome audit = Cli.run("audit --run " + run + " --bootstrap-servers " + kafka.bootstrapServers());
            assertTrue(audit.out().lines().anyMatch(l -> l.contains("source_changed copied job:moving")), audit.out());
            assertEquals(1, backups(run).size(), "the first copy was kept before the second pass replaced it");
        } finally {
            migrator.destroy();
            migrator.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void theVerifierReportsEachKindOfMismatchItReallyFindsAndTheRunExitsTwo() throws Exception {
        String run = run();
        source.strings().set("job:deleted", "1");
        source.strings().set("job:retyped", "2");
        source.strings().set("job:changed", "3");
        source.strings().psetex("job:ttl", 600_000, "4");
        source.strings().set("job:fine", "5");
        source.strings().set("job:expired", "6");
        assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers()).exitCode());
        Process migrator = new ProcessBuilder(javaCommand("migrate", "--run", run, "--execute", "--actor", "it",
                "--source", source.uri(), "--target", target.uri(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--state-dir", tmp.resolve("m").toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("m.log").toFile()).start();
        try {
            io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> target.strings().dbsize() >= 6);
            assertEquals(6L, target.strings().dbsize(), Files.readString(tmp.resolve("m.log")));
        } finally {
            migrator.destroy();
            migrator.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        // Between the copy and the verification, someone else touches the target.
        target.strings().del("job:deleted");
        target.strings().del("job:retyped");
        target.strings().rpush("job:retyped", "2");
        target.strings().set("job:changed", "something else");
        target.strings().pexpire("job:ttl", 5_000);
        target.strings().pexpire("job:expired", 1);
        Path report = tmp.resolve("m.csv");

        Cli.Outcome verify = Cli.run("verify --run " + run + " --until-complete --report " + report + " " + endpoints());

        assertEquals(2, verify.exitCode(), verify.toString());
        assertEquals(5, verify.count("mismatches"));
        assertEquals(1, verify.count("verdict_match"));
        Cli.Outcome audit = Cli.run("audit --run " + run + " --mismatches --bootstrap-servers " + kafka.bootstrapServers());
        for (String expected : List.of("mismatch(missing) copied job:deleted", "mismatch(type) copied job:retyped",
                "mismatch(value) copied job:changed", "mismatch(ttl) copied job:ttl", "mismatch(missing) copied job:expired")) {
            assertTrue(audit.out().contains(expected), expected + " in\n" + audit.out());
        }
        assertEquals(5, audit.out().lines().count(), audit.out());
        assertTrue(Files.readString(report).contains(",job:fine,job:fine,string,1,"), Files.readString(report));
    }

    @Test
    void aTargetThatIsUnreachableWhileVerifyingIsWaitedForNeverJudgedMissing() throws Exception {
        String run = run();
        source.strings().set("job:1", "v1");
        source.strings().set("job:2", "v2");
        assertEquals(0, Cli.run("scan --run " + run + " --match job:* --source " + source.uri()
                + " --bootstrap-servers " + kafka.bootstrapServers()).exitCode());
        try (io.keyferry.testsupport.TcpProxy proxy = io.keyferry.testsupport.TcpProxy.to(target.port())) {
            String viaProxy = "redis://127.0.0.1:" + proxy.port();
            java.util.concurrent.atomic.AtomicReference<Cli.Outcome> verify = new java.util.concurrent.atomic.AtomicReference<>();
            // The verifier connects through the proxy and waits: no result exists yet.
            Thread verifier = new Thread(() -> verify.set(Cli.run("verify --run " + run + " --until-complete --source "
                    + source.uri() + " --target " + viaProxy + " --bootstrap-servers " + kafka.bootstrapServers()
                    + " --state-dir " + tmp.resolve("v"))));
            verifier.start();
            // Both of the target store's connections (commands, and pipelined pages) are open before
            // the cut: a cut between the two fails the start-up, which is not what this test is about.
            io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> proxy.connections() >= 2);
            assertTrue(proxy.connections() >= 2, "the verifier connected to the target through the proxy");
            proxy.cut(); // the target becomes unreachable for the verifier only
            Process migrator = new ProcessBuilder(javaCommand("migrate", "--run", run, "--execute", "--actor", "it",
                    "--source", source.uri(), "--target", target.uri(), "--bootstrap-servers", kafka.bootstrapServers(),
                    "--state-dir", tmp.resolve("m").toString()))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("m.log").toFile()).start();
            try {
                io.keyferry.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> target.strings().dbsize() >= 2);
                // A deliberate outage: the results are there, the verifier tries and cannot reach the target.
                Thread.sleep(2_000);
                proxy.restore();
                verifier.join(120_000);
            } finally {
                migrator.destroy();
                migrator.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertNotNull(verify.get(), "the verifier finished");
            assertEquals(0, verify.get().exitCode(), verify.get().toString());
            assertEquals(2, verify.get().count("verdict_match"), "verdicts waited for the target to come back");
            assertEquals(0, verify.get().count("mismatches"));
        }
    }

    private List<io.keyferry.core.model.BackupRecord> backups(String run) throws Exception {
        List<io.keyferry.core.model.BackupRecord> out = new java.util.ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed");
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var parts = c.partitionsFor("keyferry.backup").stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (var r : c.poll(java.time.Duration.ofMillis(200))) {
                    var b = io.keyferry.core.json.Json.decodeBackup(r.value());
                    if (b.run().equals(run)) {
                        out.add(b);
                    }
                }
            }
        }
        return out;
    }

    private static byte[] content(TestRedis r, String key) {
        RedisCommands<String, String> c = r.strings();
        Object v = switch (c.type(key)) {
            case "string" -> c.get(key);
            case "hash" -> new TreeMap<>(c.hgetall(key));
            case "list" -> c.lrange(key, 0, -1);
            case "set" -> new java.util.TreeSet<>(c.smembers(key));
            case "zset" -> c.zrangeWithScores(key, 0, -1).toString();
            case "stream" -> c.xrange(key, io.lettuce.core.Range.create("-", "+")).toString();
            default -> throw new AssertionError(key);
        };
        return String.valueOf(v).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the server has applied since it started (INFO's dirty counter only ever grows with writes). */
    private static long writes(TestRedis r) {
        String info = r.strings().info("persistence");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("rdb_changes_since_last_save:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no rdb_changes_since_last_save in INFO");
    }

    static String http(int port, String path) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path);
        return response.body();
    }

    static List<String> javaCommand(String... args) {
        Path jar = Path.of("target", "keyferry.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "the shaded jar is built in the package phase: " + jar);
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
