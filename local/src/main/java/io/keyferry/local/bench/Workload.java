package io.keyferry.local.bench;

import io.lettuce.core.FlushMode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's key mix, loaded with pipelined writes: 70 % strings of 50–2000 bytes (half of
 * them JSON), 10 % hashes of 5–50 fields, 8 % sets, 7 % sorted sets, 5 % lists; 20 % with a TTL.
 * Seeded, so two runs load the same data. And the server emptied again between runs.
 */
public final class Workload {
    private static final int PIPELINE = 1000;

    private Workload() {
    }

    /** Loads {@code keys} keys named {@code bench:<type>:<n>} and returns how many were written. */
    public static long load(String uri, long keys, long seed) {
        Random rnd = new Random(seed);
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisAsyncCommands<byte[], byte[]> r = c.async();
            c.setAutoFlushCommands(false);
            List<RedisFuture<?>> pending = new ArrayList<>(PIPELINE * 2);
            for (long i = 0; i < keys; i++) {
                int pick = rnd.nextInt(100);
                byte[] key;
                if (pick < 70) {
                    key = b("bench:string:" + i);
                    int len = 50 + rnd.nextInt(1951);
                    pending.add(r.set(key, rnd.nextBoolean() ? json(rnd, len) : text(rnd, len)));
                } else if (pick < 80) {
                    key = b("bench:hash:" + i);
                    int fields = 5 + rnd.nextInt(46);
                    java.util.Map<byte[], byte[]> m = new java.util.HashMap<>();
                    for (int f = 0; f < fields; f++) {
                        m.put(b("field" + f), text(rnd, 5 + rnd.nextInt(60)));
                    }
                    pending.add(r.hset(key, m));
                } else if (pick < 88) {
                    key = b("bench:set:" + i);
                    pending.add(r.sadd(key, members(rnd, 5 + rnd.nextInt(46))));
                } else if (pick < 95) {
                    key = b("bench:zset:" + i);
                    int n = 5 + rnd.nextInt(46);
                    Object[] scored = new Object[n * 2];
                    for (int m = 0; m < n; m++) {
                        scored[2 * m] = (double) rnd.nextInt(1_000_000) / 100;
                        scored[2 * m + 1] = b("member" + m);
                    }
                    pending.add(r.zadd(key, scored));
                } else {
                    key = b("bench:list:" + i);
                    pending.add(r.rpush(key, members(rnd, 5 + rnd.nextInt(46))));
                }
                if (rnd.nextInt(100) < 20) {
                    pending.add(r.pexpire(key, 3_600_000L + rnd.nextInt(3_600_000)));
                }
                if (pending.size() >= PIPELINE) {
                    flush(c, pending);
                }
            }
            flush(c, pending);
            return keys;
        } finally {
            client.shutdown();
        }
    }

    /**
     * Empties the server at {@code uri}. A synchronous FLUSHALL of millions of keys outlasts the
     * command timeout (it failed the 5M bench), so the flush is asynchronous, and this returns once
     * Redis has freed it all, not while it is still freeing.
     */
    public static void clear(String uri) throws InterruptedException {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            c.sync().flushall(FlushMode.ASYNC);
            while (!c.sync().info("memory").contains("lazyfree_pending_objects:0")) {
                Thread.sleep(200);
            }
        } finally {
            client.shutdown();
        }
    }

    static void flush(StatefulRedisConnection<byte[], byte[]> c, List<RedisFuture<?>> pending) {
        c.flushCommands();
        for (RedisFuture<?> f : pending) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("bench load failed: " + e.getMessage(), e);
            }
        }
        pending.clear();
    }

    private static byte[][] members(Random rnd, int n) {
        byte[][] m = new byte[n][];
        for (int i = 0; i < n; i++) {
            m[i] = text(rnd, 5 + rnd.nextInt(30));
        }
        return m;
    }

    private static byte[] json(Random rnd, int len) {
        StringBuilder sb = new StringBuilder("{\"id\": ").append(rnd.nextInt(1_000_000)).append(", \"tags\": [");
        while (sb.length() < len - 20) {
            sb.append('"').append(Long.toHexString(rnd.nextLong())).append("\", ");
        }
        sb.append("\"end\"], \"ok\": true}");
        return b(sb.toString());
    }

    private static byte[] text(Random rnd, int len) {
        byte[] v = new byte[len];
        for (int i = 0; i < len; i++) {
            v[i] = (byte) ('a' + rnd.nextInt(26));
        }
        return v;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
