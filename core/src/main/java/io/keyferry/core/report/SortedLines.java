package io.keyferry.core.report;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Lines put in order of a time, whatever order they came in (a topic's partitions interleave),
 * in bounded memory: up to {@value #SPILL_AT} in memory, then sorted runs on disk merged at the
 * end. Lines of the same time keep the order they came in. {@link #close()} deletes the files.
 */
public final class SortedLines implements AutoCloseable {
    static final int SPILL_AT = 100_000;
    private static final Comparator<Line> ORDER = Comparator.comparingLong(Line::time).thenComparingLong(Line::seq);

    private final int spillAt;
    private final List<Line> buffer = new ArrayList<>();
    private final List<Path> spills = new ArrayList<>();
    private Path dir;
    private long seq;

    public SortedLines() {
        this(SPILL_AT);
    }

    SortedLines(int spillAt) {
        this.spillAt = spillAt;
    }

    private record Line(long time, long seq, String text) {
    }

    public void add(long time, String line) {
        buffer.add(new Line(time, seq++, line));
        if (buffer.size() >= spillAt) {
            spill();
        }
    }

    /** Hands {@code sink} every line added, in time order, and forgets them. */
    public void drain(Consumer<String> sink) {
        buffer.sort(ORDER);
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> ORDER.compare(a.line, b.line));
        List<Iterator<Line>> sources = new ArrayList<>();
        sources.add(buffer.iterator());
        for (Path p : spills) {
            sources.add(new SpillReader(p));
        }
        for (Iterator<Line> s : sources) {
            if (s.hasNext()) {
                heads.add(new Head(s.next(), s));
            }
        }
        while (!heads.isEmpty()) {
            Head h = heads.poll();
            sink.accept(h.line.text());
            if (h.source.hasNext()) {
                heads.add(new Head(h.source.next(), h.source));
            }
        }
        close();
    }

    private record Head(Line line, Iterator<Line> source) {
    }

    private void spill() {
        buffer.sort(ORDER);
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("keyferry-lines");
            }
            Path file = dir.resolve("run-" + spills.size());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
                for (Line l : buffer) {
                    byte[] text = l.text().getBytes(StandardCharsets.UTF_8);
                    out.writeLong(l.time());
                    out.writeLong(l.seq());
                    out.writeInt(text.length);
                    out.write(text);
                }
            }
            spills.add(file);
            buffer.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill lines to a temporary file: " + e.getMessage(), e);
        }
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
            dir = null;
        }
    }

    private static final class SpillReader implements Iterator<Line> {
        private final DataInputStream in;
        private Line next;

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
                long time = in.readLong();
                long seq = in.readLong();
                byte[] text = new byte[in.readInt()];
                in.readFully(text);
                next = new Line(time, seq, new String(text, StandardCharsets.UTF_8));
            } catch (EOFException e) {
                next = null;
                closeQuietly();
            } catch (IOException e) {
                closeQuietly();
                throw new UncheckedIOException(e);
            }
        }

        private void closeQuietly() {
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
        public Line next() {
            Line l = next;
            advance();
            return l;
        }
    }
}
