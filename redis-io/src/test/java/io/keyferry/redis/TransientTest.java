package io.keyferry.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransientTest {
    @Test
    void failuresThatPassAreTriedAgainAndOthersAreNot() {
        assertTrue(Transient.is(new RedisConnectionException("refused")));
        assertTrue(Transient.is(new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory")));
        assertTrue(Transient.is(new RedisCommandExecutionException("BUSY Redis is busy running a script")));
        // what a command pending on a connection the server dropped fails with (a source restarting)
        assertTrue(Transient.is(new RedisException("Connection disconnected")));
        assertTrue(Transient.is(new IllegalStateException("wrapped", new java.io.IOException("Connection reset by peer"))));
        assertFalse(Transient.is(new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value")));
        assertFalse(Transient.is(new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'")));
    }
}
