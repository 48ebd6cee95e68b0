package io.keyferry.redis;

import io.keyferry.core.model.RedisKey;

import java.util.List;

/** One SCAN reply: the keys and the cursor to continue from ("0" when the scan is complete). */
public record ScanPage(List<RedisKey> keys, String cursor) {
    public boolean finished() {
        return "0".equals(cursor);
    }
}
