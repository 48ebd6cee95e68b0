package io.keyferry.core.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * One value per key, the earliest or the latest added by time, in bounded memory: what rollback
 * and status keep of a run's keys. Entries stay in memory up to {@value #SPILL_AT} of them or
 * {@value #SPILL_BYTES} bytes of values, then go sorted to a temporary file; {@link #entries()}
 * merges the files back. Keys come out in unsigned byte order (the order of {@code RedisKey} and
 * of a {@link RunTally}'s records), so two of these are joined by walking both. {@link #close()}
 * deletes the files.
 */
public final class PerKey implements AutoCloseable {
    static final int SPILL_AT = 100_000;
    static final long SPILL_BYTES = 32L << 20;

    /** Which of a key's values {@link #entries()} gives. */
    public enum Keep {
        /** The one with the earliest time; on a tie, the first added. */
        FIRST,
        /** The one with the latest time; on a tie, the last added. */
        LAST
    }

    /** A key and its kept value. */
    public record Entry(byte[] key, long atMs, byte[] value) {
    }

    private record Item(byte[] key, long atMs, long seq, byte[] value) {
    }

    private static final Comparator<Item> ORDER = (a, b) -> {
        int c = Arrays.compareUnsigned(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.atMs, b.atMs);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    private final Keep keep;
    private final int spillAt;
    private final long spillBytes;
    private final List<Item> buffer = new ArrayList<>();
    private long buffered;
    private long seq;
    private final Spills<Item> spills = new Spills<>("keyferry-perkey", (out, e) -> {
        out.writeInt(e.key.length);
        out.write(e.key);
        out.writeLong(e.atMs);
        out.writeLong(e.seq);
        out.writeInt(e.value.length);
        out.write(e.value);
    }, in -> {
        byte[] key = new byte[in.readInt()];
        in.readFully(key);
        long atMs = in.readLong();
        long seq = in.readLong();
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        return new Item(key, atMs, seq, value);
    });

    public PerKey(Keep keep) {
        this(keep, SPILL_AT, SPILL_BYTES);
    }

    PerKey(Keep keep, int spillAt, long spillBytes) {
        this.keep = keep;
        this.spillAt = spillAt;
        this.spillBytes = spillBytes;
    }

    /** A value of {@code key} at {@code atMs}; neither array is changed afterwards by the caller. */
    public void add(byte[] key, long atMs, byte[] value) {
        buffer.add(new Item(key, atMs, seq++, value));
        buffered += key.length + value.length + 64;
        if (buffer.size() >= spillAt || buffered >= spillBytes) {
            buffer.sort(ORDER);
            spills.spill(buffer);
            buffer.clear();
            buffered = 0;
        }
    }

    /** One entry per key added, in unsigned byte order of the keys. May be called again. */
    public Iterator<Entry> entries() {
        buffer.sort(ORDER);
        Iterator<Item> kept = Spills.onePerGroup(spills.merged(buffer.iterator(), ORDER),
                (x, y) -> Arrays.equals(x.key, y.key), keep == Keep.LAST);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return kept.hasNext();
            }

            @Override
            public Entry next() {
                Item i = kept.next();
                return new Entry(i.key, i.atMs, i.value);
            }
        };
    }

    @Override
    public void close() {
        buffer.clear();
        spills.close();
    }
}
