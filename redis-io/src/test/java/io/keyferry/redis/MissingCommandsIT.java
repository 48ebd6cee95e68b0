package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.local.RedisProcess;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The start-up check against servers with commands disabled by rename-command. */
class MissingCommandsIT {

    @Test
    void disabledDumpAndRestoreAreReportedForDumpModeOnly() {
        try (RedisProcess server = RedisProcess.start("--rename-command", "DUMP", "", "--rename-command", "RESTORE", "");
             RedisStore store = RedisStore.connect(RedisEndpoint.parse("--source", server.uri(), false))) {
            assertEquals(Set.of("dump", "restore"), store.missingCommands(true));
            assertEquals(Set.of(), store.missingCommands(false));
        }
    }

    @Test
    void aDisabledStreamCommandIsReportedForBothModes() {
        try (RedisProcess server = RedisProcess.start("--rename-command", "XSETID", "");
             RedisStore store = RedisStore.connect(RedisEndpoint.parse("--target", server.uri(), false))) {
            assertEquals(Set.of("xsetid"), store.missingCommands(false));
            assertEquals(Set.of("xsetid"), store.missingCommands(true));
        }
    }
}
