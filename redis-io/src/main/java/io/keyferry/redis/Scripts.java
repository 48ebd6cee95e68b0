package io.keyferry.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Lua scripts every atomic step of keyferry runs in (the .lua resources of this package,
 * whose headers document their arguments and replies), and how they are called: by SHA, and sent
 * whole instead when the server does not know it (NOSCRIPT: never loaded there, or lost in a
 * restart). Apart from what the steps mean, so that loading and the NOSCRIPT fallback are written
 * once for the three ways a call is sent: waiting for it, queued on this thread's page connection
 * until {@link RedisConnections#flush()}, or sent at once without waiting.
 */
final class Scripts {
    static final Script READ = Script.load("snapshot.lua", "read.lua");
    static final Script WRITE = Script.load("write.lua");
    static final Script RESTORE = Script.load("snapshot.lua", "restore.lua");
    static final Script DELETE = Script.load("delete.lua");
    static final Script STREAM_META = Script.load("snapshot.lua", "stream-meta.lua");
    static final Script STREAM_FINISH = Script.load("stream-finish.lua");
    static final Script PROMOTE = Script.load("promote.lua");
    /** The expectation of a write, restore or move that means: only if the key is absent. */
    static final byte[] ABSENT = new byte[0];
    /** The argument that makes read.lua, write.lua or restore.lua take several keys in one call. */
    static final byte[] MANY = "many".getBytes(StandardCharsets.US_ASCII);
    /** Keys per batched call, at most: one script call holds the server while it runs. */
    static final int BATCH = 100;

    private final RedisConnections connections;

    Scripts(RedisConnections connections) {
        this.connections = connections;
    }

    /** A script's multi-bulk reply, waited for. */
    List<Object> eval(Script script, byte[] key, byte[]... args) {
        try {
            return connections.sync().evalsha(script.sha, ScriptOutputType.MULTI, new byte[][] {key}, args);
        } catch (RedisNoScriptException e) {
            return connections.sync().eval(script.body, ScriptOutputType.MULTI, new byte[][] {key}, args);
        }
    }

    /** A script's integer reply, waited for. */
    Long evalInteger(Script script, byte[] key, byte[]... args) {
        return evalInteger(script, new byte[][] {key}, args);
    }

    Long evalInteger(Script script, byte[][] keys, byte[]... args) {
        try {
            return connections.sync().evalsha(script.sha, ScriptOutputType.INTEGER, keys, args);
        } catch (RedisNoScriptException e) {
            return connections.sync().eval(script.body, ScriptOutputType.INTEGER, keys, args);
        }
    }

    /** A script's multi-bulk reply, queued on this thread's page connection. */
    CompletableFuture<List<Object>> evalAsync(Script script, byte[] key, byte[]... args) {
        return evalAsync(script, new byte[][] {key}, args);
    }

    CompletableFuture<List<Object>> evalAsync(Script script, byte[][] keys, byte[]... args) {
        return connections.onPipe(pipe -> evalOn(pipe, script, keys, args));
    }

    /** A script call on the connection that flushes itself, sent at once. */
    CompletableFuture<List<Object>> evalNowAsync(Script script, byte[] key, byte[]... args) {
        return evalOn(connections.async(), script, new byte[][] {key}, args);
    }

    /** A script's integer reply, queued on this thread's page connection. */
    CompletableFuture<Long> evalIntegerAsync(Script script, byte[] key, byte[]... args) {
        byte[][] keys = {key};
        return connections.onPipe(pipe -> pipe.<Long>evalsha(script.sha, ScriptOutputType.INTEGER, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> noScript(e)
                        ? connections.async().<Long>eval(script.body, ScriptOutputType.INTEGER, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e)));
    }

    private CompletableFuture<List<Object>> evalOn(RedisClusterAsyncCommands<byte[], byte[]> on, Script script, byte[][] keys,
                                                   byte[]... args) {
        // a script missing after a restart is sent again on the connection that flushes itself:
        // this callback runs on an I/O thread, after the page's flush
        return on.<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> noScript(e)
                        ? connections.async().<List<Object>>eval(script.body, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e));
    }

    private static boolean noScript(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof RedisNoScriptException;
    }

    /** A script's text and its SHA-1, by which it is called. */
    record Script(byte[] body, String sha) {
        /** A script made of these resources, in order (one Lua chunk: locals of one part are seen by the next). */
        static Script load(String... parts) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (String name : parts) {
                try (InputStream in = Scripts.class.getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IllegalStateException("missing script " + name);
                    }
                    body.writeBytes(in.readAllBytes());
                    body.write('\n');
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read script " + name, e);
                }
            }
            return new Script(body.toByteArray(), sha1(body.toByteArray()));
        }

        private static String sha1(byte[] body) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
