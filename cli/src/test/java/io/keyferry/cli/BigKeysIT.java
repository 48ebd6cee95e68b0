package io.keyferry.cli;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys of a million elements and a 200 MB string, migrated by a migrator process held to
 * -Xmx512m: they only fit because they travel in windows.
 */
class BigKeysIT {
    private static final int MILLION = 1_000_000;
    private static final List<String> KEYS = List.of("big:hash", "big:set", "big:zset", "big:list", "big:stream", "big:string");

    private TestKafka kafka;
    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeEach
    void start() {
        kafka = TestKafka.start();
        source = TestRedis.start();
        target = TestRedis.start();
    }

    @AfterEach
    void stop() {
        source.close();
        target.close();
        kafka.close();
    }

    private void lua(String script) {
        source.bytes().eval(script, ScriptOutputType.STATUS, new byte[0][]);
    }

    /** In slices of 100k, so that no one script keeps the server busy for long. */
    private void loadMillions() {
        for (int from = 1; from <= MILLION; from += 100_000) {
            String range = "for i = " + from + ", " + (from + 99_999) + " do ";
            lua(range + "redis.call('HSET', 'big:hash', 'field:' .. i, 'value-' .. i) end");
            lua(range + "redis.call('SADD', 'big:set', 'member:' .. i) end");
            lua(range + "redis.call('ZADD', 'big:zset', i / 7, 'member:' .. i) end");
            lua(range + "redis.call('RPUSH', 'big:list', 'item-' .. (i % 1000)) end");
            lua(range + "redis.call('XADD', 'big:stream', i .. '-0', 'n', i, 'kind', 'step') end");
        }
        lua("redis.call('XGROUP', 'CREATE', 'big:stream', 'workers', '500000-0')");
        // 200 MB: 200 slices of 1 MB, each different, so a misplaced slice changes the hash
        lua("local mb = string.rep('0123456789abcdef', 65536) "
                + "for i = 1, 200 do redis.call('APPEND', 'big:string', string.sub(string.format('%08d', i) .. mb, 1, 1048576)) end");
        source.bytes().pexpire("big:hash".getBytes(), 3_600_000);
    }

    @Test
    void millionElementCollectionsAndA200MegabyteStringAreCopiedExactlyByAMigratorAt512Megabytes() throws Exception {
        loadMillions();
        String run = "big-" + ProcessHandle.current().pid();
        String kafkaArgs = " --bootstrap-servers " + kafka.bootstrapServers();
        Cli.Outcome scan = Cli.run("scan --run " + run + " --match big:* --source " + source.uri() + kafkaArgs);
        assertEquals(0, scan.exitCode(), scan.toString());

        // at INFO the log says how long each key took
        Process migrator = Cli.spawn(tmp.resolve("migrator.log"), "INFO", "migrate", "--run", run, "--execute", "--actor", "it",
                "--source", source.uri(), "--target", target.uri(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--state-dir", tmp.resolve("state").toString());
        try {
            Path report = tmp.resolve("report.csv");
            Cli.Outcome verify = Cli.run("verify --run " + run + " --until-complete --report " + report + " --source "
                    + source.uri() + " --target " + target.uri() + kafkaArgs);
            String log = Files.readString(tmp.resolve("migrator.log"));
            assertEquals(0, verify.exitCode(), verify + "\nmigrator log:\n" + log);
            assertEquals(KEYS.size(), verify.count("copied"), verify + "\nmigrator log:\n" + log);
            assertEquals(KEYS.size(), verify.count("verdict_match"), verify.toString());
            assertTrue(!log.contains("OutOfMemoryError"), log);
            assertTrue(!log.contains("ProducerEpoch"), "no key took longer than the transaction timeout:\n" + log);
        } finally {
            System.out.println("migrator log:\n" + Files.readString(tmp.resolve("migrator.log")));
            migrator.destroy();
            assertTrue(migrator.waitFor(60, TimeUnit.SECONDS));
        }

        try (RedisStore s = RedisStore.connect(RedisEndpoint.parse("--source", source.uri(), false));
             RedisStore t = RedisStore.connect(RedisEndpoint.parse("--target", target.uri(), false))) {
            for (String k : KEYS) {
                Side src = s.side(RedisKey.of(k));
                Side dst = t.side(RedisKey.of(k));
                assertTrue(src.sameContentAs(dst), k + ": " + src + " vs " + dst);
            }
            assertEquals(200L << 20, target.bytes().strlen("big:string".getBytes()));
            long ttl = target.bytes().pttl("big:hash".getBytes());
            assertTrue(ttl > 3_000_000 && ttl <= 3_600_000, "the TTL travels: " + ttl);
            assertEquals(-1, target.bytes().pttl("big:set".getBytes()), "a persistent key stays persistent");
            assertEquals(KEYS.size(), target.bytes().dbsize(), "no temporary key is left behind");
        }
    }
}
