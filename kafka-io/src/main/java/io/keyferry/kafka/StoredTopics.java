package io.keyferry.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Topics read where a stopped broker keeps them, with no broker running: a read-only command on a
 * one-machine state dir answers without starting one. What a read hands out is what a
 * read_committed consumer reading to the high watermark would: committed records, none of an
 * aborted transaction, none below the log's start. What only a broker can answer (a transaction
 * still open, a consumer group's offsets) throws {@link NeedsBrokerException} before the read
 * hands out anything.
 */
public interface StoredTopics {

    /** The partitions of {@code topic} (its full name), in order; empty when there is no such topic. */
    List<Integer> partitions(String topic);

    /** The offset after the last record of the partition. */
    long end(String topic, int partition);

    /** The partition's first offset: what retention or a deletion left of it begins there. */
    long start(String topic, int partition);

    /**
     * Hands {@code sink} the committed records of {@code topic} with a value, partition by partition in
     * offset order, on the partitions {@code to} names (every partition when {@code to} is null), each
     * from {@code from.get(partition)} (its start where not given) up to {@code to.get(partition)}
     * (its end where {@code to} is null).
     */
    void read(String topic, Map<Integer, Long> from, Map<Integer, Long> to, Consumer<ConsumerRecord<byte[], byte[]>> sink);
}
