package io.keyferry.core.report;

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
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorted runs of entries written to temporary files and merged back in order: how the report's
 * tally and the audit lines keep their memory bounded whatever the size of a run. {@link
 * #close()} deletes the files.
 *
 * @param <T> an entry
 */
final class Spills<T> implements AutoCloseable {
    /** Writes one entry. */
    interface Writer<T> {
        void write(DataOutputStream out, T entry) throws IOException;
    }

    /** Reads one entry back; an {@link EOFException} at the start of one ends the file. */
    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private final String prefix;
    private final Writer<T> writer;
    private final Reader<T> reader;
    private final List<Path> files = new ArrayList<>();
    private Path dir;

    Spills(String prefix, Writer<T> writer, Reader<T> reader) {
        this.prefix = prefix;
        this.writer = writer;
        this.reader = reader;
    }

    /** Writes {@code sorted}, already in order, to a file of its own. */
    void spill(List<T> sorted) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory(prefix);
            }
            Path file = dir.resolve("run-" + files.size());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
                for (T e : sorted) {
                    writer.write(out, e);
                }
            }
            files.add(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill to a temporary file: " + e.getMessage(), e);
        }
    }

    /** The entries of {@code inMemory} (in order) and of every file, merged in {@code order}. */
    Iterator<T> merged(Iterator<T> inMemory, Comparator<T> order) {
        PriorityQueue<Head<T>> heads = new PriorityQueue<>((a, b) -> order.compare(a.entry, b.entry));
        List<Iterator<T>> sources = new ArrayList<>();
        sources.add(inMemory);
        for (Path p : files) {
            sources.add(new FileReader<>(p, reader));
        }
        for (Iterator<T> s : sources) {
            if (s.hasNext()) {
                heads.add(new Head<>(s.next(), s));
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public T next() {
                Head<T> h = heads.poll();
                if (h == null) {
                    throw new NoSuchElementException();
                }
                if (h.source.hasNext()) {
                    heads.add(new Head<>(h.source.next(), h.source));
                }
                return h.entry;
            }
        };
    }

    private record Head<T>(T entry, Iterator<T> source) {
    }

    /**
     * One entry per group of {@code sorted}'s entries that {@code same} says belong together (next
     * to each other, as a merge in key order leaves them): the group's last with {@code last},
     * else its first.
     */
    static <T> Iterator<T> onePerGroup(Iterator<T> sorted, java.util.function.BiPredicate<T, T> same, boolean last) {
        return new Iterator<>() {
            private T ahead = sorted.hasNext() ? sorted.next() : null;

            @Override
            public boolean hasNext() {
                return ahead != null;
            }

            @Override
            public T next() {
                if (ahead == null) {
                    throw new NoSuchElementException();
                }
                T kept = ahead;
                T first = ahead;
                ahead = null;
                while (sorted.hasNext()) {
                    T e = sorted.next();
                    if (!same.test(e, first)) {
                        ahead = e;
                        break;
                    }
                    if (last) {
                        kept = e;
                    }
                }
                return kept;
            }
        };
    }

    @Override
    public void close() {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temp file left behind is the worst that happens
            }
        }
        files.clear();
        if (dir != null) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // as above
            }
            dir = null;
        }
    }

    /** A file read back entry by entry, closing itself at the end. */
    private static final class FileReader<T> implements Iterator<T> {
        private final DataInputStream in;
        private final Reader<T> reader;
        private T next;

        FileReader(Path file, Reader<T> reader) {
            this.reader = reader;
            try {
                in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            advance();
        }

        private void advance() {
            try {
                next = reader.read(in);
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
        public T next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            T e = next;
            advance();
            return e;
        }
    }
}
