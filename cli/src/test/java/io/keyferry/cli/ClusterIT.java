package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.keyferry.testsupport.TestRedisCluster;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Migrations into and out of a real three-master Redis Cluster, driven by command lines. */
class ClusterIT {
    private static final int KEYS = 300;
    private static TestKafka kafka;

    private TestRedisCluster cluster;
    private TestRedis standalone;
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
    void start() {
        cluster = TestRedisCluster.start();
        standalone = TestRedis.start();
    }

    @AfterEach
    void stop() {
        cluster.close();
        standalone.close();
    }

    private String kafkaArgs() {
        return " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state");
    }

    @Test
    void aStandaloneSourceIsMigratedIntoAClusterWithEveryKeyOnItsOwnSlotIncludingABigOne() throws Exception {
        var s = standalone.strings();
        for (int i = 0; i < KEYS; i++) {
            s.hset("job:" + i, Map.of("n", Integer.toString(i), "state", "done"));
        }
        s.set("job:{tenant-1}:a", "tagged");
        s.psetex("job:ttl", 60_000, "expires");
        // over the 10,000-element limit: built under a temporary name in the target's slot, then renamed
        standalone.bytes().eval("for i = 1, 20000 do redis.call('SADD', KEYS[1], 'm' .. i) end", ScriptOutputType.STATUS,
                new byte[][] {"job:big".getBytes()});

        Path report = tmp.resolve("into.csv");
        Cli.Outcome r = Cli.run("run --run into-cluster --execute --actor it --match job:* --rename 'job:{id*} -> step:{id}'"
                + " --source " + standalone.uri() + " --target " + cluster.uri() + " --target-cluster --report " + report
                + kafkaArgs());
        assertEquals(0, r.exitCode(), r.toString());
        int total = KEYS + 3;
        assertEquals(total, r.count("copied"));
        assertEquals(total, r.count("verdict_match"));

        var c = cluster.strings();
        for (int i = 0; i < KEYS; i++) {
            assertEquals(Integer.toString(i), c.hget("step:" + i, "n"));
        }
        assertEquals("tagged", c.get("step:{tenant-1}:a"));
        assertEquals(20_000L, c.scard("step:big"));
        // the TTL the source has left now, not a fixed one: how long the run took does not matter
        long ttl = c.pttl("step:ttl");
        long sourceTtl = standalone.strings().pttl("job:ttl");
        assertTrue(sourceTtl > 0 && Math.abs(ttl - sourceTtl) < 2_000, "ttl " + ttl + ", source's " + sourceTtl);
        assertEquals(total, cluster.dbsize(), "nothing else, no temporary key");
        for (TestRedis node : cluster.nodes()) {
            assertTrue(node.strings().dbsize() > 50, "every master got its share of the slots' keys");
        }
        assertEquals(total + 1, Files.readAllLines(report).size());
    }

    @Test
    void aClusterSourceIsScannedOnEveryMasterAndMigratedToAStandaloneTarget() throws Exception {
        var c = cluster.strings();
        for (int i = 0; i < KEYS; i++) {
            c.set("job:" + i, "value-" + i);
        }
        c.rpush("job:{x}:list", "a", "b", "a");
        c.set("other:1", "not in scope");

        Cli.Outcome dry = Cli.run("run --run from-cluster-dry --match job:* --source " + cluster.uri()
                + " --source-cluster --target " + standalone.uri() + kafkaArgs());
        assertEquals(0, dry.exitCode(), dry.toString());
        assertEquals(KEYS + 1, dry.count("would_copy"));
        assertEquals(0, standalone.strings().dbsize(), "a dry run writes nothing");

        Cli.Outcome r = Cli.run("run --run from-cluster --execute --actor it --match job:* --batch 17 --source " + cluster.uri()
                + " --source-cluster --target " + standalone.uri() + kafkaArgs());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(KEYS + 1, r.count("copied"));
        assertEquals(KEYS + 1, r.count("verdict_match"));
        var t = standalone.strings();
        for (int i = 0; i < KEYS; i++) {
            assertEquals("value-" + i, t.get("job:" + i));
        }
        assertEquals(List.of("a", "b", "a"), t.lrange("job:{x}:list", 0, -1));
        assertEquals(KEYS + 1, t.dbsize(), "only the keys in scope");

        Cli.Outcome reconcile = Cli.run("reconcile --source " + cluster.uri() + " --source-cluster --target " + standalone.uri()
                + " --match job:*");
        assertEquals(0, reconcile.exitCode(), reconcile.toString());
    }
}
