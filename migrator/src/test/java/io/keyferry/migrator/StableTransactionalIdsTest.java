package io.keyferry.migrator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class StableTransactionalIdsTest {
    @TempDir
    Path tmp;

    @Test
    void theProcessIdInStreamsTransactionalIdIsReplacedByTheReplicaIdAndTheThreadIndexKept() {
        var ids = new StableTransactionalIds("keyferry-migrate-r-1", "replica");
        String processId = UUID.randomUUID().toString();
        assertEquals("keyferry-migrate-r-1-replica-1", ids.stable("keyferry-migrate-r-1-" + processId + "-1"));
        assertEquals("keyferry-migrate-r-1-replica-12", ids.stable("keyferry-migrate-r-1-" + processId + "-12"));
    }

    @Test
    void anIdOfAnotherApplicationIsLeftAsItIs() {
        var ids = new StableTransactionalIds("keyferry-migrate-r", "replica");
        assertEquals("other-app-x-1", ids.stable("other-app-x-1"));
        assertEquals("keyferry-migrate-r", ids.stable("keyferry-migrate-r"));
    }

    @Test
    void aSlotKeepsItsReplicaIdAndAnotherSlotHasItsOwn() throws Exception {
        String first = io.keyferry.kafka.ReplicaSlot.id(tmp.resolve("run-0.id"));
        assertEquals(first, io.keyferry.kafka.ReplicaSlot.id(tmp.resolve("run-0.id")));
        assertNotEquals(first, io.keyferry.kafka.ReplicaSlot.id(tmp.resolve("run-1.id")));
        assertFalse(Files.exists(tmp.resolve("run-0.id.part")));
    }

    @Test
    void anUnreadableReplicaIdFileIsReplacedWithAFreshId() throws Exception {
        Files.writeString(tmp.resolve("run-0.id"), "half a uu");
        String id = io.keyferry.kafka.ReplicaSlot.id(tmp.resolve("run-0.id"));
        assertEquals(id, UUID.fromString(id).toString());
        assertEquals(id, Files.readString(tmp.resolve("run-0.id")));
    }
}
