package io.keyferry.core.report;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
    private final Spills<Line> spills = new Spills<>("keyferry-lines", (out, l) -> {
        byte[] text = l.text().getBytes(StandardCharsets.UTF_8);
        out.writeLong(l.time());
        out.writeLong(l.seq());
        out.writeInt(text.length);
        out.write(text);
    }, in -> {
        long time = in.readLong();
        long seq = in.readLong();
        byte[] text = new byte[in.readInt()];
        in.readFully(text);
        return new Line(time, seq, new String(text, StandardCharsets.UTF_8));
    });
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
        spills.merged(buffer.iterator(), ORDER).forEachRemaining(l -> sink.accept(l.text()));
        close();
    }

    private void spill() {
        buffer.sort(ORDER);
        spills.spill(buffer);
        buffer.clear();
    }

    @Override
    public void close() {
        buffer.clear();
        spills.close();
    }
}
