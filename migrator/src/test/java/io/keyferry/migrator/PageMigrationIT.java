package io.keyferry.migrator;

import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.rules.Naming;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page of keys of every type through the pipelined path (one round trip per step for the whole
 * page), against real servers: what each result says of the target is what the target holds.
 */
class PageMigrationIT {
    private static final List<String> KEYS = List.of("str", "json", "hash", "list", "set", "zset", "int", "ttl");
    private TestRedis source;
    private TestRedis target;
    private RedisStore sourceStore;
    private RedisStore targetStore;

    @AfterEach
    void stop() {
        sourceStore.close();
        targetStore.close();
        source.close();
        target.close();
    }

    /** A migrator from a source holding {@link #KEYS} (started with {@code sourceArgs}) to an empty target. */
    private StoreKeyMigrator migrator(CopyMode copy, String... sourceArgs) {
        source = TestRedis.start(sourceArgs);
        source.strings().set("str", "plain");
        source.strings().set("json", "{\"b\":1,\"a\":[true,null]}");
        source.strings().hset("hash", java.util.Map.of("f1", "v1", "f2", "v2", "f3", "v3"));
        source.strings().rpush("list", "x", "y", "x");
        source.strings().sadd("set", "red", "green", "blue", "cyan", "magenta", "yellow", "black", "white");
        source.strings().zadd("zset", 1.5, "a", -3.0, "b", 1e300, "c");
        source.strings().set("int", "12345");
        source.strings().set("ttl", "expiring");
        source.strings().pexpire("ttl", 120_000);
        target = TestRedis.start();
        sourceStore = RedisStore.connect(RedisEndpoint.parse("--source", source.uri(), false));
        targetStore = RedisStore.connect(RedisEndpoint.parse("--target", target.uri(), false));
        MigrateConfig c = new MigrateConfig("r", sourceStore.endpoint(), targetStore.endpoint(), Mode.EXECUTE, "it",
                Naming.identity(), ConflictPolicy.SKIP, copy, 0, 0, 2);
        return new StoreKeyMigrator(c, sourceStore, targetStore, BackupSink.NONE, io.keyferry.core.metrics.Metrics.NONE,
                new io.keyferry.core.rate.RateLimiter(0));
    }

    private static List<KeyRef> page() {
        List<KeyRef> refs = new ArrayList<>();
        for (int i = 0; i < KEYS.size(); i++) {
            refs.add(new KeyRef("r", RedisKey.of(KEYS.get(i)), null, "s", i));
        }
        return refs;
    }

    @Test
    void aDumpCopiedPageReportsTheTargetAsItIsAndTheSourcesFingerprintForTheVerifier() {
        List<KeyResult> results = migrator(CopyMode.DUMP).migrateAll(page(), "0:0");
        assertEachCopiedAndTrue(results);
        for (KeyResult r : results) {
            assertNotNull(r.source().digest(), r.key().toString());
        }
    }

    @Test
    void aStructCopiedPageReportsTheTargetAsItIs() {
        assertEachCopiedAndTrue(migrator(CopyMode.STRUCT).migrateAll(page(), "0:0"));
    }

    @Test
    void aSecondPassFindsEveryKeyAlreadyMatchingAndTouchesNothing() {
        StoreKeyMigrator m = migrator(CopyMode.DUMP);
        m.migrateAll(page(), "0:0");
        target.strings().persist("ttl"); // an owner's TTL: an already matching key keeps it
        List<KeyResult> again = m.migrateAll(page(), "0:1");
        for (KeyResult r : again) {
            assertEquals(Status.ALREADY_MATCH, r.status(), r.key().toString());
            assertTrue(r.source().sameContentAs(r.target()), r.key().toString());
        }
        assertEquals(-1, again.get(KEYS.indexOf("ttl")).target().ttlMs());
        assertEquals(-1L, target.strings().pttl("ttl"));
    }

    @Test
    void aKeyWhoseReadFailsIsAnErrorOfItsOwnAndTheRestOfItsPageIsCopied() {
        // without XINFO a stream cannot be read: the page's one batched read fails, and each key
        // is then done on its own
        StoreKeyMigrator m = migrator(CopyMode.STRUCT, "--rename-command", "XINFO", "");
        source.strings().xadd("stream", java.util.Map.of("f", "v"));
        List<KeyRef> refs = new ArrayList<>(page());
        refs.add(new KeyRef("r", RedisKey.of("stream"), null, "s", refs.size()));
        List<KeyResult> results = m.migrateAll(refs, "0:0");
        assertEquals(Status.ERROR, results.get(refs.size() - 1).status());
        assertEachCopiedAndTrue(results.subList(0, KEYS.size()));
        assertEquals(0L, target.strings().exists("stream"));
    }

    @Test
    void aTargetHoldingSomethingElseIsAConflictAndIsLeftAsItWas() {
        StoreKeyMigrator m = migrator(CopyMode.DUMP);
        target.strings().set("str", "theirs");
        target.strings().sadd("set", "red", "green");
        List<KeyResult> results = m.migrateAll(page(), "0:0");
        assertEquals(Status.CONFLICT_SKIPPED, results.get(KEYS.indexOf("str")).status());
        assertEquals(Status.CONFLICT_SKIPPED, results.get(KEYS.indexOf("set")).status());
        assertEquals("theirs", target.strings().get("str"));
        assertEquals(2L, target.strings().scard("set"));
        assertEquals(Status.COPIED, results.get(KEYS.indexOf("hash")).status());
    }

    /** Every key copied, and each result's target side is what a fresh whole read of the target says. */
    private void assertEachCopiedAndTrue(List<KeyResult> results) {
        assertEquals(KEYS.size(), results.size());
        for (KeyResult r : results) {
            String k = r.key().toString();
            assertEquals(Status.COPIED, r.status(), k + ": " + r.message());
            Side now = targetStore.side(r.targetKey());
            assertEquals(now.type(), r.target().type(), k);
            assertEquals(now.sha256(), r.target().sha256(), k);
            assertEquals(now.size(), r.target().size(), k);
            assertEquals(r.source().sha256(), r.target().sha256(), k);
            if (k.equals("ttl")) {
                assertTrue(r.target().ttlMs() > 100_000 && r.target().ttlMs() <= 120_000, "ttl " + r.target().ttlMs());
            } else {
                assertEquals(-1, r.target().ttlMs(), k);
            }
        }
    }
}
