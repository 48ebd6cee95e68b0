package io.keyferry.core.report;

import io.keyferry.core.model.RedisKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DistinctKeysTest {
    @Test
    void keysAddedAgainAcrossSpilledRunsAreCountedOnce() {
        try (DistinctKeys keys = new DistinctKeys(100)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 1_000; i++) {
                    keys.add(RedisKey.of("job:" + i));
                }
            }
            keys.add(RedisKey.of(new byte[] {(byte) 0xff, 0x00}));
            keys.add(RedisKey.of(new byte[] {(byte) 0xff}));
            assertEquals(1_002, keys.count());
            keys.add(RedisKey.of("job:1000"));
            assertEquals(1_003, keys.count(), "counting leaves it able to go on");
        }
    }

    @Test
    void withoutSpillingItIsASet() {
        try (DistinctKeys keys = new DistinctKeys(100)) {
            keys.add(RedisKey.of("a"));
            keys.add(RedisKey.of("a"));
            keys.add(RedisKey.of("b"));
            assertEquals(2, keys.count());
        }
    }
}
