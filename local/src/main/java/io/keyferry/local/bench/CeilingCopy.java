package io.keyferry.local.bench;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The yardstick keyferry is measured against: a bare copy with no Kafka and no verification —
 * SCAN COUNT 1000, DUMP+PTTL pipelined in batches of 1000, RESTORE pipelined likewise, on
 * {@code workers} connection pairs in parallel.
 */
public final class CeilingCopy {
    private static final int BATCH = 1000;

    private CeilingCopy() {
    }

    /** Copies every key and returns how many. */
    public static long copy(String sourceUri, String targetUri, int workers) throws Exception {
        RedisClient src = RedisClient.create(sourceUri);
        RedisClient dst = RedisClient.create(targetUri);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        BlockingQueue<List<byte[]>> pages = new ArrayBlockingQueue<>(workers * 4);
        List<byte[]> end = new ArrayList<>();
        try (StatefulRedisConnection<byte[], byte[]> scanner = src.connect(ByteArrayCodec.INSTANCE)) {
            List<Future<Long>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                done.add(pool.submit(() -> worker(src, dst, pages, end)));
            }
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<byte[]> page = scanner.sync().scan(cursor, ScanArgs.Builder.limit(BATCH));
                if (!page.getKeys().isEmpty()) {
                    pages.put(page.getKeys());
                }
                cursor = page;
            } while (!cursor.isFinished());
            for (int w = 0; w < workers; w++) {
                pages.put(end);
            }
            long copied = 0;
            for (Future<Long> f : done) {
                copied += f.get();
            }
            return copied;
        } finally {
            pool.shutdownNow();
            src.shutdown();
            dst.shutdown();
        }
    }

    private static long worker(RedisClient src, RedisClient dst, BlockingQueue<List<byte[]>> pages, List<byte[]> end)
            throws Exception {
        long copied = 0;
        try (StatefulRedisConnection<byte[], byte[]> s = src.connect(ByteArrayCodec.INSTANCE);
             StatefulRedisConnection<byte[], byte[]> d = dst.connect(ByteArrayCodec.INSTANCE)) {
            s.setAutoFlushCommands(false);
            d.setAutoFlushCommands(false);
            RedisAsyncCommands<byte[], byte[]> in = s.async();
            RedisAsyncCommands<byte[], byte[]> out = d.async();
            for (List<byte[]> keys = pages.take(); keys != end; keys = pages.take()) {
                List<RedisFuture<byte[]>> dumps = new ArrayList<>(keys.size());
                List<RedisFuture<Long>> ttls = new ArrayList<>(keys.size());
                for (byte[] k : keys) {
                    dumps.add(in.dump(k));
                    ttls.add(in.pttl(k));
                }
                s.flushCommands();
                List<RedisFuture<String>> restores = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) {
                    byte[] payload = dumps.get(i).get(60, TimeUnit.SECONDS);
                    long ttl = ttls.get(i).get(60, TimeUnit.SECONDS);
                    if (payload != null) {
                        restores.add(out.restore(keys.get(i), payload, RestoreArgs.Builder.ttl(Math.max(ttl, 0)).replace()));
                    }
                }
                d.flushCommands();
                for (RedisFuture<String> r : restores) {
                    r.get(60, TimeUnit.SECONDS);
                    copied++;
                }
            }
        }
        return copied;
    }
}
