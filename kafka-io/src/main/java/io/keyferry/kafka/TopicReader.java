package io.keyferry.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a topic from its start, without a consumer group: to its current end, or on and on while
 * following. Reports, status, resume and rollback all read this way.
 *
 * <p>"The end" is the high watermark, not the last stable offset a read_committed consumer's
 * {@code endOffsets} gives: a transaction whose commit the broker has confirmed may still lack its
 * markers on some partitions, and stopping at the last stable offset then leaves its records out
 * silently. A read_committed consumer gets past the high watermark only once every transaction
 * below it has ended, so a read that reaches it holds every record committed before it was taken.
 * The price: a transaction still open at that moment is waited for (it ends, or the broker aborts
 * it at its timeout).
 */
public final class TopicReader {
    private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);
    /** How long a read waits on open transactions before it says so in the log. */
    private static final long TELL_AFTER_MS = 5_000;

    private TopicReader() {
    }

    /** Every committed record of topic {@code name} (the prefix is added) up to its end as of now. */
    public static void readAll(KafkaClients clients, String name, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        read(clients, name, sink, false, () -> false);
    }

    /** As {@link #readAll}; with {@code follow}, goes on with new records until {@code stop} says so. */
    public static void read(KafkaClients clients, String name, Consumer<ConsumerRecord<byte[], byte[]>> sink,
                            boolean follow, BooleanSupplier stop) {
        read(clients, name, Map.of(), sink, follow, stop);
    }

    /**
     * As {@link #read}, from offset {@code from.get(partition)} on the partitions it names (one
     * run's records begin there) and from the start on the others.
     */
    public static void read(KafkaClients clients, String name, Map<Integer, Long> from,
                            Consumer<ConsumerRecord<byte[], byte[]>> sink, boolean follow, BooleanSupplier stop) {
        if (follow && clients.stored() != null) {
            throw new NeedsBrokerException("following " + clients.topic(name));
        }
        // To the end as of now is following that is told to finish at once.
        readUntilFinished(clients, name, from, sink, () -> !follow, stop);
    }

    /**
     * Follows topic {@code name} from {@code from} (as {@link #read(KafkaClients, String, Map,
     * Consumer, boolean, BooleanSupplier)}) until {@code finish} says so, then reads on up to the
     * topic's end (its high watermark) as of that moment, and returns. {@code abort} ends it at
     * once, wherever it is.
     */
    public static void readUntilFinished(KafkaClients clients, String name, Map<Integer, Long> from,
                                         Consumer<ConsumerRecord<byte[], byte[]>> sink, BooleanSupplier finish,
                                         BooleanSupplier abort) {
        String topic = clients.topic(name);
        if (clients.stored() != null) {
            // at rest nothing is written: the end is already reached
            if (!abort.getAsBoolean()) {
                clients.stored().read(topic, from, null, sink);
            }
            return;
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + name)) {
            List<TopicPartition> tps = assignAll(c, topic, from);
            while (!abort.getAsBoolean()) {
                if (finish.getAsBoolean()) {
                    readUpTo(c, highWatermarks(clients, tps), sink, abort);
                    return;
                }
                poll(c, sink);
            }
        }
    }

    /**
     * Reads topic {@code name} from {@code from} up to its end as of now, then runs {@code atEnd};
     * with {@code follow}, goes on with new records until {@code stop} says so.
     */
    public static void readToEndThenFollow(KafkaClients clients, String name, Map<Integer, Long> from,
                                           Consumer<ConsumerRecord<byte[], byte[]>> sink, Runnable atEnd,
                                           boolean follow, BooleanSupplier stop) {
        String topic = clients.topic(name);
        if (clients.stored() != null) {
            if (follow) {
                throw new NeedsBrokerException("following " + topic);
            }
            clients.stored().read(topic, from, null, sink);
            atEnd.run();
            return;
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + name)) {
            List<TopicPartition> tps = assignAll(c, topic, from);
            readUpTo(c, highWatermarks(clients, tps), sink, stop);
            atEnd.run();
            while (follow && !stop.getAsBoolean()) {
                poll(c, sink);
            }
        }
    }

    /**
     * Where each partition of topic {@code name} begins now, partition to offset: records below
     * were removed by retention or a deletion.
     */
    public static Map<Integer, Long> starts(KafkaClients clients, String name) {
        String topic = clients.topic(name);
        Map<Integer, Long> starts = new java.util.TreeMap<>();
        if (clients.stored() != null) {
            clients.stored().partitions(topic).forEach(p -> starts.put(p, clients.stored().start(topic, p)));
            return starts;
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + name)) {
            List<TopicPartition> tps = c.partitionsFor(topic, java.time.Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.beginningOffsets(tps, java.time.Duration.ofSeconds(30)).forEach((tp, o) -> starts.put(tp.partition(), o));
        }
        return starts;
    }

    /**
     * The committed records of topic {@code name} below {@code to.get(partition)} on the partitions
     * {@code to} names, each read from {@code from.get(partition)} (from its start where not given).
     */
    public static void readRange(KafkaClients clients, String name, Map<Integer, Long> from, Map<Integer, Long> to,
                                 Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        String topic = clients.topic(name);
        if (clients.stored() != null) {
            clients.stored().read(topic, from, to, sink);
            return;
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + name)) {
            List<TopicPartition> tps = to.keySet().stream().sorted().map(p -> new TopicPartition(topic, p)).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = new java.util.HashMap<>();
            for (TopicPartition tp : tps) {
                Long offset = from.get(tp.partition());
                if (offset != null) {
                    c.seek(tp, offset);
                }
                end.put(tp, to.get(tp.partition()));
            }
            readUpTo(c, end, sink, () -> false);
        }
    }

    /**
     * Where each of {@code tps} ends now, records of open transactions included: what a reader
     * must get past to have seen every record committed so far.
     */
    public static Map<TopicPartition, Long> highWatermarks(KafkaClients clients, List<TopicPartition> tps) {
        if (clients.stored() != null) {
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            tps.forEach(tp -> ends.put(tp, clients.stored().end(tp.topic(), tp.partition())));
            return ends;
        }
        try (KafkaConsumer<byte[], byte[]> c = endReader(clients)) {
            return c.endOffsets(tps, Duration.ofSeconds(30));
        }
    }

    /** A consumer for {@link KafkaConsumer#endOffsets} that answers with high watermarks. */
    static KafkaConsumer<byte[], byte[]> endReader(KafkaClients clients) {
        return clients.consumer(null, "keyferry-ends",
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"));
    }

    /**
     * Assigns {@code c} every partition of {@code topic}, each at {@code from.get(partition)} where
     * given (below the log's start, the consumer resets to it) and at its start elsewhere.
     */
    static List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> c, String topic, Map<Integer, Long> from) {
        List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        c.assign(tps);
        c.seekToBeginning(tps);
        for (TopicPartition tp : tps) {
            Long offset = from.get(tp.partition());
            if (offset != null) {
                c.seek(tp, offset);
            }
        }
        return tps;
    }

    /**
     * Hands {@code sink} the records from where {@code c} stands until its position reaches
     * {@code end} on each partition. With {@code end} a high watermark, that waits for every
     * transaction below it to end (see the class comment).
     */
    static void readUpTo(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end,
                         Consumer<ConsumerRecord<byte[], byte[]>> sink, BooleanSupplier stop) {
        long since = System.currentTimeMillis();
        boolean told = false;
        while (!stop.getAsBoolean()) {
            TopicPartition behind = end.keySet().stream().filter(tp -> c.position(tp) < end.get(tp)).findFirst().orElse(null);
            if (behind == null) {
                return;
            }
            if (!told && System.currentTimeMillis() - since > TELL_AFTER_MS) {
                LOG.info("reading {}: waiting for an open transaction to end (at offset {} of {}); a producer that "
                        + "died mid-transaction is aborted by the broker at its transaction timeout",
                        behind, c.position(behind), end.get(behind));
                told = true;
            }
            poll(c, sink);
        }
    }

    private static void poll(KafkaConsumer<byte[], byte[]> c, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
            if (r.value() != null) {
                sink.accept(r);
            }
        }
    }
}
