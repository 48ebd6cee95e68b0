package io.keyferry.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a topic from its start, without a consumer group: to its current end (committed records
 * only), or on and on while following. Reports, status, resume and rollback all read this way.
 */
public final class TopicReader {
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
        // To the end as of now is following that is told to finish at once.
        readUntilFinished(clients, name, from, sink, () -> !follow, stop);
    }

    /**
     * Follows topic {@code name} from {@code from} (as {@link #read(KafkaClients, String, Map,
     * Consumer, boolean, BooleanSupplier)}) until {@code finish} says so, then reads on up to the
     * topic's end as of that moment, and returns. {@code abort} ends it at once, wherever it is.
     */
    public static void readUntilFinished(KafkaClients clients, String name, Map<Integer, Long> from,
                                         Consumer<ConsumerRecord<byte[], byte[]>> sink, BooleanSupplier finish,
                                         BooleanSupplier abort) {
        String topic = clients.topic(name);
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + name)) {
            List<TopicPartition> tps = assignAll(c, topic, from);
            while (!abort.getAsBoolean()) {
                if (finish.getAsBoolean()) {
                    readUpTo(c, c.endOffsets(tps), sink, abort);
                    return;
                }
                poll(c, sink);
            }
        }
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

    /** Hands {@code sink} the records from where {@code c} stands up to {@code end} on each partition. */
    static void readUpTo(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end,
                         Consumer<ConsumerRecord<byte[], byte[]>> sink, BooleanSupplier stop) {
        while (!stop.getAsBoolean() && end.keySet().stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
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
