package io.keyferry.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The commands each copy mode runs, and which of them a server does not offer: checked at start-up,
 * so that a server with a command renamed away (or too old for one) stops a run before its first
 * key rather than failing every key. Kept in one list here, next to nothing else, so that a script
 * or window that starts using a command is easy to match with it.
 */
final class RequiredCommands {
    /** Under the store's name, as this line was logged before the store was split. */
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    /** What struct mode runs, directly or inside read.lua/write.lua (DEL only when replacing). */
    private static final List<String> STRUCT_COMMANDS = List.of(
            "eval", "evalsha", "type", "pttl", "scan", "exists", "pexpire", "pexpireat", "time", "del",
            "get", "set", "hgetall", "hset", "lrange", "rpush", "smembers", "sadd", "zrange", "zadd",
            "xrange", "xinfo", "xadd", "xsetid", "xgroup",
            // big keys (Chunking): lengths, windows, and the temporary key moved into place
            "strlen", "hlen", "llen", "scard", "zcard", "xlen", "getrange", "append", "hscan", "sscan", "zscan",
            "hmget", "rename", "unlink", "persist");
    /** Dump mode still reads the struct value (for the hash), so it needs all of the above too. */
    private static final List<String> DUMP_COMMANDS = List.of("dump", "restore");

    private RequiredCommands() {
    }

    /**
     * The commands of the copy mode that the server behind {@code redis} does not offer, lower case
     * and sorted; empty when all are there, or when COMMAND itself is refused.
     *
     * @param option the endpoint's option (--source, --target), for the log
     */
    static Set<String> missing(RedisClusterCommands<byte[], byte[]> redis, String option, boolean dumpMode) {
        List<String> wanted = new ArrayList<>(STRUCT_COMMANDS);
        if (dumpMode) {
            wanted.addAll(DUMP_COMMANDS);
        }
        List<Object> info;
        try {
            info = redis.commandInfo(wanted.toArray(new String[0]));
        } catch (RedisCommandExecutionException e) {
            LOG.debug("{}: COMMAND INFO refused, cannot check commands: {}", option, e.getMessage());
            return Collections.emptySet();
        }
        Set<String> missing = new TreeSet<>();
        for (int i = 0; i < wanted.size(); i++) {
            // One reply per name asked, in order; an unknown (or renamed-away) command is nil.
            Object entry = i < info.size() ? info.get(i) : null;
            if (!(entry instanceof List<?> l) || l.isEmpty()) {
                missing.add(wanted.get(i).toLowerCase(Locale.ROOT));
            }
        }
        return missing;
    }
}
