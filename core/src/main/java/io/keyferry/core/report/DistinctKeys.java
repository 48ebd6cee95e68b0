package io.keyferry.core.report;

import io.keyferry.core.model.RedisKey;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * How many distinct keys were added, in bounded memory: up to {@value #SPILL_AT} distinct keys in
 * memory, then sorted runs on disk, merged when counted. Exact: keys are compared whole, byte by
 * byte. {@link #close()} deletes the files.
 */
public final class DistinctKeys implements AutoCloseable {
    static final int SPILL_AT = 200_000;

    private final int spillAt;
    private final Set<RedisKey> buffer = new HashSet<>();
    private final Spills<RedisKey> spills = new Spills<>("keyferry-keys", (out, k) -> {
        byte[] b = k.unsafeBytes();
        out.writeInt(b.length);
        out.write(b);
    }, in -> {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return RedisKey.of(b);
    });
    private boolean spilled;

    public DistinctKeys() {
        this(SPILL_AT);
    }

    DistinctKeys(int spillAt) {
        this.spillAt = spillAt;
    }

    public void add(RedisKey key) {
        buffer.add(key);
        if (buffer.size() >= spillAt) {
            List<RedisKey> sorted = new ArrayList<>(buffer);
            sorted.sort(Comparator.naturalOrder());
            spills.spill(sorted);
            buffer.clear();
            spilled = true;
        }
    }

    /** The number of distinct keys added so far. */
    public long count() {
        if (!spilled) {
            return buffer.size();
        }
        List<RedisKey> sorted = new ArrayList<>(buffer);
        sorted.sort(Comparator.naturalOrder());
        Iterator<RedisKey> all = spills.merged(sorted.iterator(), Comparator.naturalOrder());
        long n = 0;
        RedisKey last = null;
        while (all.hasNext()) {
            RedisKey k = all.next();
            if (!k.equals(last)) {
                n++;
                last = k;
            }
        }
        return n;
    }

    @Override
    public void close() {
        buffer.clear();
        spills.close();
    }
}
