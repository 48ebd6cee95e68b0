package io.keyferry.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisLoadingException;

import java.io.IOException;

/**
 * Which Redis failures are worth another try: the server restarting, loading its data set, busy
 * with a script, a dropped connection or a timeout. A WRONGTYPE or OOM will not go away by waiting.
 */
public final class Transient {
    private Transient() {
    }

    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RedisConnectionException || t instanceof RedisCommandTimeoutException
                    || t instanceof RedisLoadingException || t instanceof RedisBusyException
                    || t instanceof RedisUnavailableException || t instanceof IOException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("TRYAGAIN")
                    || m.startsWith("MASTERDOWN") || m.startsWith("CLUSTERDOWN") || m.contains("Connection reset")
                    || m.contains("Currently not connected") || m.contains("Connection disconnected"))) {
                return true;
            }
        }
        return false;
    }
}
