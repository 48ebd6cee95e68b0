package io.keyferry.migrator;

import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.CopyMode;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.rules.Naming;
import io.keyferry.redis.Chunking;
import io.keyferry.redis.RedisStore;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the migrator decides about big keys (small limits make 300 fields big): the same statuses
 * as for any key, and the copy is the source's content.
 */
class BigKeyMigrationIT {
    private static final Chunking SMALL = new Chunking(100, 1_000, 16, 256);

    private TestRedis source;
    private TestRedis target;
    private RedisStore sourceStore;
    private RedisStore targetStore;
    private final List<BackupRecord> backups = new ArrayList<>();

    @BeforeEach
    void start() {
        source = TestRedis.start();
        target = TestRedis.start();
        sourceStore = RedisStore.connect(RedisEndpoint.parse("--source", source.uri(), false), SMALL);
        targetStore = RedisStore.connect(RedisEndpoint.parse("--target", target.uri(), false), SMALL);
        source.bytes().eval("for i = 1, 300 do redis.call('HSET', KEYS[1], 'f' .. i, 'v' .. i) end "
                + "redis.call('HSET', KEYS[1], 'workspace_id', 'ws-7')", ScriptOutputType.STATUS, new byte[][] {"ai:jobs:j1".getBytes()});
    }

    @AfterEach
    void stop() {
        sourceStore.close();
        targetStore.close();
        source.close();
        target.close();
    }

    private KeyResult migrate(Mode mode, ConflictPolicy policy, CopyMode copy, long maxValueBytes) {
        Naming naming = Naming.parse(List.of("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"),
                List.of("workspace_id=field:workspace_id"), List.of("workspace_id=ws-[0-9]+"));
        MigrateConfig c = new MigrateConfig("r", sourceStore.endpoint(), targetStore.endpoint(), mode, "it", naming, policy,
                copy, maxValueBytes, 0, 0);
        return new StoreKeyMigrator(c, sourceStore, targetStore, backups::add, io.keyferry.core.metrics.Metrics.NONE,
                new io.keyferry.core.rate.RateLimiter(0)).migrate(new KeyRef("r", RedisKey.of("ai:jobs:j1"), null, "s", 0), null);
    }

    @Test
    void aBigHashIsNamedFromItsOwnFieldDryRunThenCopiedInChunks() {
        KeyResult dry = migrate(Mode.DRY_RUN, ConflictPolicy.SKIP, CopyMode.STRUCT, 0);
        assertEquals(Status.WOULD_COPY, dry.status());
        assertEquals(RedisKey.of("ai:job:ws-7:j1"), dry.targetKey());
        assertEquals(0, target.strings().dbsize(), "a dry run writes nothing");

        KeyResult r = migrate(Mode.EXECUTE, ConflictPolicy.SKIP, CopyMode.STRUCT, 0);
        assertEquals(Status.COPIED, r.status(), String.valueOf(r.message()));
        assertEquals(301L, target.strings().hlen("ai:job:ws-7:j1"));
        assertEquals(r.source(), r.target());
        assertEquals(Status.ALREADY_MATCH, migrate(Mode.EXECUTE, ConflictPolicy.SKIP, CopyMode.STRUCT, 0).status());
    }

    @Test
    void dumpModeCopiesABigKeyInChunksToo() {
        KeyResult r = migrate(Mode.EXECUTE, ConflictPolicy.SKIP, CopyMode.DUMP, 0);
        assertEquals(Status.COPIED, r.status(), String.valueOf(r.message()));
        assertEquals(301L, target.strings().hlen("ai:job:ws-7:j1"));
    }

    @Test
    void aBigKeyOverMaxValueBytesIsSkippedAsTooLargeAndAMalformedDerivedNameAsInvalid() {
        KeyResult r = migrate(Mode.EXECUTE, ConflictPolicy.SKIP, CopyMode.STRUCT, 1_000);
        assertEquals(Status.SKIPPED, r.status());
        assertEquals(SkipReason.TOO_LARGE, r.reason());

        source.strings().hset("ai:jobs:j1", "workspace_id", "not a workspace");
        KeyResult bad = migrate(Mode.EXECUTE, ConflictPolicy.SKIP, CopyMode.STRUCT, 0);
        assertEquals(SkipReason.INVALID, bad.reason());
        assertEquals(0, target.strings().dbsize());
    }

    @Test
    void aDifferentSmallTargetIsBackedUpAndReplacedButABigOneIsLeftAlone() {
        target.strings().hset("ai:job:ws-7:j1", "old", "value");
        KeyResult r = migrate(Mode.EXECUTE, ConflictPolicy.REPLACE_IF_DIFFERENT, CopyMode.STRUCT, 0);
        assertEquals(Status.COPIED, r.status(), String.valueOf(r.message()));
        assertEquals(1, backups.size());
        assertEquals(301L, target.strings().hlen("ai:job:ws-7:j1"));

        source.strings().hset("ai:jobs:j1", "f1", "changed");
        KeyResult big = migrate(Mode.EXECUTE, ConflictPolicy.REPLACE_IF_DIFFERENT, CopyMode.STRUCT, 0);
        assertEquals(Status.CONFLICT_SKIPPED, big.status());
        assertTrue(big.message().contains("too big to back up"), big.message());
        assertEquals("v1", target.strings().hget("ai:job:ws-7:j1", "f1"), "left as it was");
        assertEquals(1, backups.size());
    }
}
