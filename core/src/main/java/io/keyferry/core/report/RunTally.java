package io.keyferry.core.report;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * The latest verdict per key of one run, whatever order, restarts or replicas delivered them in:
 * the report and the summary are computed from it. A later pass of a key replaces an earlier one
 * (by the result's time; on a tie, the one read later).
 *
 * <p>Memory does not grow with the run: records are kept in memory up to {@value #SPILL_AT}, then
 * sorted by key and written to a temporary file, and the latest per key comes from a merge of
 * those files. {@link #close()} deletes them.
 */
public final class RunTally implements AutoCloseable {
    static final int SPILL_AT = 50_000;
    private static final Comparator<Entry> ORDER = (a, b) -> {
        int c = Arrays.compareUnsigned(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.atMs, b.atMs);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    private final String run;
    private final int spillAt;
    private final List<Entry> buffer = new ArrayList<>();
    private final List<Path> spills = new ArrayList<>();
    private Path dir;
    private long seq;
    private long firstMs = Long.MAX_VALUE;
    private long lastMs = Long.MIN_VALUE;
    /** Counted by the last pass; null when records came in since. */
    private Summary summary;

    public RunTally(String run) {
        this(run, SPILL_AT);
    }

    RunTally(String run, int spillAt) {
        this.run = run;
        this.spillAt = spillAt;
    }

    /** One record as read from the audit topic; ignored when of another run. */
    public void add(AuditRecord a) {
        KeyResult r = a.result();
        if (!run.equals(r.run())) {
            return;
        }
        buffer.add(new Entry(r.key().bytes(), r.atMs(), seq++, a));
        firstMs = Math.min(firstMs, r.readAtMs() > 0 ? r.readAtMs() : r.atMs());
        lastMs = Math.max(lastMs, Math.max(r.atMs(), a.atMs()));
        summary = null;
        if (buffer.size() >= spillAt) {
            spill();
        }
    }

    /** Each key's latest record, in key order: one merge pass over what was added. */
    public Iterable<AuditRecord> records() {
        return this::latest;
    }

    public int keys() {
        return (int) summary().scanned();
    }

    public Summary summary() {
        if (summary == null) {
            Map<Status, Long> statuses = new EnumMap<>(Status.class);
            Map<SkipReason, Long> reasons = new EnumMap<>(SkipReason.class);
            Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
            long[] keys = {0};
            latest().forEachRemaining(a -> {
                keys[0]++;
                statuses.merge(a.result().status(), 1L, Long::sum);
                if (a.result().reason() != null) {
                    reasons.merge(a.result().reason(), 1L, Long::sum);
                }
                verdicts.merge(a.verdict(), 1L, Long::sum);
            });
            long durationMs = keys[0] == 0 ? 0 : Math.max(0, lastMs - firstMs);
            summary = new Summary(run, keys[0], statuses, reasons, verdicts, durationMs);
        }
        return summary;
    }

    @Override
    public void close() {
        buffer.clear();
        for (Path p : spills) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temp file left behind is the worst that happens
            }
        }
        spills.clear();
        if (dir != null) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // as above
            }
        }
    }

    private record Entry(byte[] key, long atMs, long seq, AuditRecord record) {
    }

    private void spill() {
        buffer.sort(ORDER);
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("keyferry-tally");
            }
            Path file = dir.resolve("run-" + spills.size());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
                for (Entry e : buffer) {
                    byte[] json = Json.encode(e.record());
                    out.writeInt(e.key().length);
                    out.write(e.key());
                    out.writeLong(e.atMs());
                    out.writeLong(e.seq());
                    out.writeInt(json.length);
                    out.write(json);
                }
            }
            spills.add(file);
            buffer.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill the run's verdicts to a temporary file: " + e.getMessage(), e);
        }
    }

    /** The merge of the sorted buffer and every spill file, one entry per key: its last. */
    private Iterator<AuditRecord> latest() {
        buffer.sort(ORDER);
        List<Iterator<Entry>> sources = new ArrayList<>();
        sources.add(buffer.iterator());
        for (Path p : spills) {
            sources.add(new SpillReader(p));
        }
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> ORDER.compare(a.entry, b.entry));
        for (Iterator<Entry> s : sources) {
            if (s.hasNext()) {
                heads.add(new Head(s.next(), s));
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public AuditRecord next() {
                if (heads.isEmpty()) {
                    throw new NoSuchElementException();
                }
                Entry last = null;
                do {
                    Head h = heads.poll();
                    last = h.entry;
                    if (h.source.hasNext()) {
                        heads.add(new Head(h.source.next(), h.source));
                    }
                } while (!heads.isEmpty() && Arrays.equals(heads.peek().entry.key(), last.key()));
                return last.record();
            }
        };
    }

    private record Head(Entry entry, Iterator<Entry> source) {
    }

    /** A spill file read back entry by entry, closing itself at the end. */
    private static final class SpillReader implements Iterator<Entry> {
        private final DataInputStream in;
        private Entry next;

        SpillReader(Path file) {
            try {
                in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            advance();
        }

        private void advance() {
            try {
                byte[] key = new byte[in.readInt()];
                in.readFully(key);
                long atMs = in.readLong();
                long seq = in.readLong();
                byte[] json = new byte[in.readInt()];
                in.readFully(json);
                next = new Entry(key, atMs, seq, Json.decodeAudit(json));
            } catch (EOFException e) {
                next = null;
                close();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            } catch (BadRecordException e) {
                close();
                throw new IllegalStateException("a spilled verdict does not read back: " + e.getMessage(), e);
            }
        }

        private void close() {
            try {
                in.close();
            } catch (IOException e) {
                // read to the end already
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public Entry next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            Entry e = next;
            advance();
            return e;
        }
    }
}
