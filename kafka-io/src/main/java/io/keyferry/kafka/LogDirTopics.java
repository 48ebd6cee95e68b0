package io.keyferry.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;

/**
 * Topics read from a Kafka log dir whose broker is stopped (see {@link StoredTopics}); the caller
 * makes sure none runs on it meanwhile and that it shut down cleanly, so the logs need no recovery
 * and, with one replica, every record on disk was acknowledged. Segments are read as the broker
 * serves them to a read_committed consumer: control batches and aborted transactions left out
 * (found by a first pass over each partition's batch headers), and records below the log start
 * offset that a deletion of records set left out.
 */
public final class LogDirTopics implements StoredTopics {
    private static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";
    private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.log");

    private final Path logDir;
    private final Map<String, Long> logStarts;

    private LogDirTopics(Path logDir, Map<String, Long> logStarts) {
        this.logDir = logDir;
        this.logStarts = logStarts;
    }

    /** The topics of the log dir {@code logDir}. */
    public static LogDirTopics of(Path logDir) {
        try {
            return new LogDirTopics(logDir, logStarts(logDir.resolve(LOG_START_CHECKPOINT)));
        } catch (IOException e) {
            throw unreadable(logDir.resolve(LOG_START_CHECKPOINT), e);
        }
    }

    /** Kafka's checkpoint of where each log starts: a version line, a count, then "topic partition offset" lines. */
    private static Map<String, Long> logStarts(Path file) throws IOException {
        Map<String, Long> starts = new HashMap<>();
        if (!Files.exists(file)) {
            return starts;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 2; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split(" ");
            if (f.length == 3) {
                starts.put(f[0] + "-" + f[1], Long.parseLong(f[2]));
            }
        }
        return starts;
    }

    @Override
    public List<Integer> partitions(String topic) {
        Pattern name = Pattern.compile(Pattern.quote(topic) + "-(\\d+)");
        try (Stream<Path> dirs = Files.list(logDir)) {
            return dirs.map(d -> name.matcher(d.getFileName().toString()))
                    .filter(java.util.regex.Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + logDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long start(String topic, int partition) {
        List<Path> segments = segments(topic, partition);
        return Math.max(logStart(topic, partition), segments.isEmpty() ? 0 : baseOffset(segments.get(0)));
    }

    @Override
    public long end(String topic, int partition) {
        long end = logStart(topic, partition);
        for (Path segment : segments(topic, partition)) {
            end = Math.max(end, baseOffset(segment));
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (FileChannelRecordBatch batch : records.batches()) {
                    end = Math.max(end, batch.nextOffset());
                }
            } catch (IOException e) {
                throw unreadable(segment, e);
            }
        }
        return end;
    }

    @Override
    public void read(String topic, Map<Integer, Long> from, Map<Integer, Long> to,
                     Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        List<Integer> partitions = to == null ? partitions(topic) : to.keySet().stream().sorted().toList();
        // Every partition's transactions first: a read that needs a broker after all fails before it
        // has handed out anything.
        Map<Integer, List<Path>> segments = new HashMap<>();
        Map<Integer, Aborted> aborted = new HashMap<>();
        for (int p : partitions) {
            segments.put(p, segments(topic, p));
            aborted.put(p, Aborted.scan(topic, p, segments.get(p)));
        }
        for (int p : partitions) {
            long start = Math.max(from.getOrDefault(p, 0L), logStart(topic, p));
            long end = to == null ? Long.MAX_VALUE : to.get(p);
            for (Path segment : segments.get(p)) {
                read(topic, p, segment, start, end, aborted.get(p), sink);
            }
        }
    }

    private static void read(String topic, int partition, Path segment, long start, long end, Aborted aborted,
                             Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
            for (FileChannelRecordBatch batch : records.batches()) {
                if (batch.lastOffset() < start || batch.isControlBatch()
                        || batch.isTransactional() && aborted.contains(batch.producerId(), batch.baseOffset())) {
                    continue;
                }
                if (batch.baseOffset() >= end) {
                    return;
                }
                for (Record r : batch) {
                    if (r.offset() < start || r.offset() >= end || !r.hasValue()) {
                        continue;
                    }
                    byte[] key = r.hasKey() ? bytes(r.key()) : null;
                    byte[] value = bytes(r.value());
                    sink.accept(new ConsumerRecord<>(topic, partition, r.offset(), r.timestamp(), batch.timestampType(),
                            key == null ? -1 : key.length, value.length, key, value, new RecordHeaders(r.headers()),
                            Optional.empty()));
                }
            }
        } catch (IOException e) {
            throw unreadable(segment, e);
        }
    }

    private long logStart(String topic, int partition) {
        return logStarts.getOrDefault(topic + "-" + partition, 0L);
    }

    /** The partition's segments in offset order; a partition mid-compaction (a swap file left) is the broker's to recover. */
    private List<Path> segments(String topic, int partition) {
        Path dir = logDir.resolve(topic + "-" + partition);
        List<Path> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".swap") || name.endsWith(".cleaned")) {
                    throw new NeedsBrokerException(dir.getFileName() + " is mid-compaction");
                }
                if (SEGMENT.matcher(name).matches()) {
                    segments.add(f);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
        segments.sort(java.util.Comparator.comparingLong(LogDirTopics::baseOffset));
        return segments;
    }

    private static long baseOffset(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".log".length()));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static UncheckedIOException unreadable(Path path, IOException e) {
        return new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }

    /** The offset ranges of one partition's aborted transactions, per producer. */
    private static final class Aborted {
        private final Map<Long, List<long[]>> ranges = new HashMap<>();

        static Aborted scan(String topic, int partition, List<Path> segments) {
            Aborted aborted = new Aborted();
            Map<Long, Long> open = new HashMap<>();
            for (Path segment : segments) {
                try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                    for (FileChannelRecordBatch batch : records.batches()) {
                        if (batch.isControlBatch()) {
                            Long first = open.remove(batch.producerId());
                            Iterator<Record> marker = batch.iterator();
                            if (first != null && marker.hasNext()
                                    && ControlRecordType.parse(marker.next().key()) == ControlRecordType.ABORT) {
                                aborted.ranges.computeIfAbsent(batch.producerId(), k -> new ArrayList<>())
                                        .add(new long[] {first, batch.baseOffset()});
                            }
                        } else if (batch.isTransactional()) {
                            open.putIfAbsent(batch.producerId(), batch.baseOffset());
                        }
                    }
                } catch (IOException e) {
                    throw unreadable(segment, e);
                }
            }
            if (!open.isEmpty()) {
                // A read_committed consumer waits for it to end; so does a reader, on a broker.
                throw new NeedsBrokerException("a transaction is still open on " + topic + "-" + partition);
            }
            return aborted;
        }

        boolean contains(long producerId, long offset) {
            for (long[] r : ranges.getOrDefault(producerId, List.of())) {
                if (offset >= r[0] && offset <= r[1]) {
                    return true;
                }
            }
            return false;
        }
    }
}
