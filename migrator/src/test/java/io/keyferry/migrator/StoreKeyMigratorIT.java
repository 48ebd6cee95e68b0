package io.keyferry.migrator;

import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Status;
import io.keyferry.core.rules.Naming;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The per-key logic against real servers that fail underneath it. */
class StoreKeyMigratorIT {
    private TestRedis source;
    private TestRedis target;
    private RedisStore sourceStore;
    private RedisStore targetStore;

    @BeforeEach
    void start() {
        source = TestRedis.start();
        target = TestRedis.start();
        sourceStore = RedisStore.connect(RedisEndpoint.parse("--source", source.uri(), false));
        targetStore = RedisStore.connect(RedisEndpoint.parse("--target", target.uri(), false));
    }

    @AfterEach
    void stop() {
        sourceStore.close();
        targetStore.close();
        source.close();
        target.close();
    }

    private StoreKeyMigrator migrator(int maxRetries) {
        MigrateConfig c = new MigrateConfig("r", sourceStore.endpoint(), targetStore.endpoint(), Mode.EXECUTE, "it",
                Naming.identity(), ConflictPolicy.SKIP, CopyMode.STRUCT, 0, 0, maxRetries);
        return new StoreKeyMigrator(c, sourceStore, targetStore, BackupSink.NONE, io.keyferry.core.metrics.Metrics.NONE,
                new io.keyferry.core.rate.RateLimiter(0));
    }

    private static KeyRef ref(String key) {
        return new KeyRef("r", RedisKey.of(key), null, "s", 0);
    }

    @Test
    void aSourceThatRestartsMidKeyIsWaitedForAndTheKeyIsCopied() throws Exception {
        source.strings().set("k", "v");
        source.process().kill(); // it comes back empty (no persistence): the restarter writes the key again
        Thread restarter = new Thread(() -> {
            try {
                Thread.sleep(1_500);
                source.process().restart();
                source.strings().set("k", "v");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        restarter.start();
        KeyResult r = migrator(8).migrate(ref("k"), null);
        restarter.join();
        assertEquals(Status.COPIED, r.status(), String.valueOf(r.message()));
        assertEquals("v", target.strings().get("k"));
    }

    @Test
    void whenTheRetryBudgetIsSpentTheKeyIsAnErrorNamingTheCauseAndNoPassword() {
        source.strings().set("k", "v");
        source.process().kill();
        KeyResult r = migrator(1).migrate(ref("k"), null);
        assertEquals(Status.ERROR, r.status());
        assertNotNull(r.message());
        assertFalse(r.message().isBlank());
        assertEquals(0L, target.strings().dbsize());
    }

    @Test
    void aResultCarriesTheKeysNamesAndItsOwnWorkspaceWhateverTheScansScope() {
        source.strings().hset("ai:jobs:7", java.util.Map.of("workspace_id", "ws-2", "state", "done"));
        source.strings().hset("ai:jobs:8", java.util.Map.of("workspace_id", "ws-1"));
        source.strings().set("other", "no rule");
        MigrateConfig c = new MigrateConfig("r", sourceStore.endpoint(), targetStore.endpoint(), Mode.EXECUTE, "it",
                Naming.parse(java.util.List.of("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"),
                        java.util.List.of("workspace_id=field:workspace_id"), java.util.List.of()),
                ConflictPolicy.SKIP, CopyMode.STRUCT, 0, 0, 1);
        StoreKeyMigrator m = new StoreKeyMigrator(c, sourceStore, targetStore, BackupSink.NONE,
                io.keyferry.core.metrics.Metrics.NONE, new io.keyferry.core.rate.RateLimiter(0));
        java.util.List<KeyResult> rs = m.migrateAll(java.util.List.of(
                new KeyRef("r", RedisKey.of("ai:jobs:7"), "ws-1", "s", 0),
                new KeyRef("r", RedisKey.of("ai:jobs:8"), "ws-1", "s", 1),
                new KeyRef("r", RedisKey.of("other"), "ws-1", "s", 2)), null);

        assertEquals(Status.SKIPPED, rs.get(0).status(), "another workspace than the scan's");
        assertEquals("ws-2", rs.get(0).workspace(), "the key's own workspace, not the scan's");
        assertEquals(java.util.Map.of("job_id", "7", "workspace_id", "ws-2"), rs.get(0).names());
        assertEquals(Status.COPIED, rs.get(1).status());
        assertEquals("ws-1", rs.get(1).workspace());
        assertEquals(java.util.Map.of("job_id", "8", "workspace_id", "ws-1"), rs.get(1).names());
        assertEquals(null, rs.get(2).workspace(), "no rule, no names, no workspace");
        assertEquals(java.util.Map.of(), rs.get(2).names());
    }
}
