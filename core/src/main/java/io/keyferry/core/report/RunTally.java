package io.keyferry.core.report;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditCounts;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The latest verdict per key of one run, whatever order, restarts or replicas delivered them in:
 * the report and the summary are computed from it. A later pass of a key replaces an earlier one
 * (by the result's time; on a tie, the one read later).
 *
 * <p>Memory does not grow with the run: records are kept in memory up to {@value #SPILL_AT}, then
 * sorted by key (in a counts-only tally, by a hash of the key first) and written to a temporary file, and the latest per key comes from a merge of
 * those files. {@link #close()} deletes them. A tally made {@link #countsOnly} keeps of each
 * record only its key, time and the three values the summary counts — a summary without a
 * report neither writes the records to disk nor decodes them a second time.
 */
public final class RunTally implements AutoCloseable {
    static final int SPILL_AT = 50_000;
    /** A counts-only entry is a key and four numbers: many more fit in the same memory. */
    static final int COUNTS_SPILL_AT = 250_000;
    /**
     * By key, and a key's records by time. A counts-only tally orders keys by a hash of them first
     * ({@link Entry#hash}; 0 in a tally of records, which are reported in key order): only each
     * key's records need to be next to each other, and sorting millions of keys by their bytes
     * would be most of the work of a summary read from the verdicts' headers.
     */
    private static final Comparator<Entry> ORDER = (a, b) -> {
        int c = Long.compare(a.hash, b.hash);
        if (c != 0) {
            return c;
        }
        c = Arrays.compareUnsigned(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.atMs, b.atMs);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    private final String run;
    private final int spillAt;
    private final boolean keepRecords;
    private final List<Entry> buffer = new ArrayList<>();
    private final Spills<Entry> spills;
    private long seq;
    private long firstMs = Long.MAX_VALUE;
    private long lastMs = Long.MIN_VALUE;
    /** From each verdict's source read to the verdict, over every verdict added. */
    private final Latencies latencies = new Latencies();
    /** Counted by the last pass; null when records came in since. */
    private Summary summary;

    public RunTally(String run) {
        this(run, SPILL_AT, true);
    }

    RunTally(String run, int spillAt) {
        this(run, spillAt, true);
    }

    RunTally(String run, int spillAt, boolean keepRecords) {
        this.run = run;
        this.spillAt = spillAt;
        this.keepRecords = keepRecords;
        this.spills = new Spills<>("keyferry-tally", this::write, this::read);
    }

    /** A tally for the {@link #summary()} alone: {@link #records()} is refused. */
    public static RunTally countsOnly(String run) {
        return new RunTally(run, COUNTS_SPILL_AT, false);
    }

    /** One record; ignored when of another run. */
    public void add(AuditRecord a) {
        add(a, null);
    }

    /**
     * One record as read from the audit topic, with the bytes it was read from (null: none): kept
     * as they are if it has to go to disk, rather than encoded again.
     */
    public void add(AuditRecord a, byte[] json) {
        KeyResult r = a.result();
        if (!run.equals(r.run())) {
            return;
        }
        add(AuditCounts.of(a), keepRecords ? a : null, keepRecords ? json : null);
    }

    /**
     * One record as read from the audit topic, decoded as far as this tally needs: whole when it
     * keeps records, else only what the summary counts ({@link Json#decodeCounts}). Ignored when
     * of another run.
     *
     * @throws BadRecordException when the bytes are not a verdict
     */
    public void add(byte[] json) throws BadRecordException {
        if (keepRecords) {
            add(Json.decodeAudit(json), json);
            return;
        }
        AuditCounts c = Json.decodeCounts(json);
        if (run.equals(c.run())) {
            add(c, null, null);
        }
    }

    /**
     * One record as read from the audit topic, by its key and its {@link CountsHeader}, without
     * its JSON. Ignored when of another run.
     *
     * @return false when this tally keeps records or the header is not one it reads: then the
     *         record is to be {@link #add(byte[]) added} by its JSON
     */
    public boolean addCounted(byte[] key, byte[] header) {
        if (keepRecords || key == null) {
            return false;
        }
        CountsHeader.Counts c = CountsHeader.read(header);
        if (c == null) {
            return false;
        }
        if (run.equals(c.run())) {
            add(key, c.atMs(), c.readAtMs(), c.verifiedAtMs(), code(c.status(), c.reason(), c.verdict()), null, null);
        }
        return true;
    }

    private void add(AuditCounts c, AuditRecord a, byte[] json) {
        add(c.key().unsafeBytes(), c.atMs(), c.readAtMs(), c.verifiedAtMs(), code(c.status(), c.reason(), c.verdict()), a, json);
    }

    private void add(byte[] key, long atMs, long readAtMs, long verifiedAtMs, int code, AuditRecord a, byte[] json) {
        buffer.add(new Entry(order(keepRecords, key), key, atMs, seq++, code, a, json));
        if (readAtMs > 0 && verifiedAtMs > 0) {
            latencies.record(verifiedAtMs - readAtMs);
        }
        firstMs = Math.min(firstMs, readAtMs > 0 ? readAtMs : atMs);
        lastMs = Math.max(lastMs, Math.max(atMs, verifiedAtMs));
        summary = null;
        if (buffer.size() >= spillAt) {
            spill();
        }
    }

    /**
     * Each key's latest record, in key order: one merge pass over what was added. A pass that
     * goes to the end also counts the summary, so a report and its summary take one pass.
     */
    public Iterable<AuditRecord> records() {
        if (!keepRecords) {
            throw new IllegalStateException("a counts-only tally keeps no records");
        }
        return () -> {
            Iterator<Entry> latest = latest();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return latest.hasNext();
                }

                @Override
                public AuditRecord next() {
                    Entry e = latest.next();
                    return e.record() != null ? e.record() : decode(e.json());
                }
            };
        };
    }

    /**
     * How long each verdict took from its key's source read to the verdict, over every verdict
     * of the run added (a key verified twice counts twice).
     */
    public Latencies latencies() {
        return latencies;
    }

    public int keys() {
        return (int) summary().scanned();
    }

    /** Hands {@code each} every key of the tally once, in no particular order, without decoding records. */
    public void forEachKey(Consumer<byte[]> each) {
        latest().forEachRemaining(e -> each.accept(e.key()));
    }

    public Summary summary() {
        if (summary == null) {
            latest().forEachRemaining(e -> { });
        }
        return summary;
    }

    /** The summary's counts, kept by a merge pass as it goes. */
    private final class Counts {
        private final Map<Status, Long> statuses = new EnumMap<>(Status.class);
        private final Map<SkipReason, Long> reasons = new EnumMap<>(SkipReason.class);
        private final Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
        private long keys;

        void add(int code) {
            keys++;
            statuses.merge(STATUSES[code & 0xff], 1L, Long::sum);
            if ((code >>> 8 & 0xff) != 0) {
                reasons.merge(REASONS[(code >>> 8 & 0xff) - 1], 1L, Long::sum);
            }
            verdicts.merge(VERDICTS[code >>> 16 & 0xff], 1L, Long::sum);
        }

        Summary summary() {
            long durationMs = keys == 0 ? 0 : Math.max(0, lastMs - firstMs);
            return new Summary(run, keys, statuses, reasons, verdicts, durationMs);
        }
    }

    @Override
    public void close() {
        buffer.clear();
        spills.close();
    }

    private static final Status[] STATUSES = Status.values();
    private static final SkipReason[] REASONS = SkipReason.values();
    private static final Verdict[] VERDICTS = Verdict.values();

    /** What the summary counts of a record, in one number: status, reason (0: none) and verdict. */
    private static int code(Status status, SkipReason reason, Verdict verdict) {
        return status.ordinal() | (reason == null ? 0 : reason.ordinal() + 1) << 8 | verdict.ordinal() << 16;
    }

    /**
     * A record's key, time and {@link #code}; unless counts only, the record or, once read back
     * from disk or when given, the bytes it is written as.
     */
    private record Entry(long hash, byte[] key, long atMs, long seq, int code, AuditRecord record, byte[] json) {
    }

    /** An entry's {@link Entry#hash}: 0 in a tally of records, which reports them in key order. */
    private static long order(boolean records, byte[] key) {
        return records ? 0 : hash(key);
    }

    /** See {@link KeyHash}. */
    static long hash(byte[] key) {
        return KeyHash.of(key);
    }

    private void spill() {
        buffer.sort(ORDER);
        spills.spill(buffer);
        buffer.clear();
    }

    private void write(java.io.DataOutputStream out, Entry e) throws IOException {
        out.writeInt(e.key().length);
        out.write(e.key());
        out.writeLong(e.atMs());
        out.writeLong(e.seq());
        out.writeInt(e.code());
        if (keepRecords) {
            byte[] json = e.json() != null ? e.json() : Json.encode(e.record());
            out.writeInt(json.length);
            out.write(json);
        }
    }

    private Entry read(java.io.DataInputStream in) throws IOException {
        byte[] key = new byte[in.readInt()];
        in.readFully(key);
        long atMs = in.readLong();
        long seq = in.readLong();
        int code = in.readInt();
        byte[] json = null;
        if (keepRecords) {
            json = new byte[in.readInt()];
            in.readFully(json);
        }
        // decoded only if it turns out to be its key's latest, and only for records()
        return new Entry(order(keepRecords, key), key, atMs, seq, code, null, json);
    }

    /** The merge of the sorted buffer and every spill file, one entry per key: its last. */
    private Iterator<Entry> latest() {
        buffer.sort(ORDER);
        Iterator<Entry> last = Spills.onePerGroup(spills.merged(buffer.iterator(), ORDER),
                (a, b) -> Arrays.equals(a.key(), b.key()), true);
        Counts counts = new Counts();
        if (!last.hasNext()) {
            summary = counts.summary();
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return last.hasNext();
            }

            @Override
            public Entry next() {
                Entry e = last.next();
                counts.add(e.code());
                if (!last.hasNext()) {
                    summary = counts.summary();
                }
                return e;
            }
        };
    }

    private static AuditRecord decode(byte[] json) {
        try {
            return Json.decodeAudit(json);
        } catch (BadRecordException e) {
            throw new IllegalStateException("a spilled verdict does not read back: " + e.getMessage(), e);
        }
    }
}
