package io.keyferry.kafka;

import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Every send is checked: a record Kafka did not acknowledge must never count as published. */
public final class Sends {
    private Sends() {
    }

    public static RecordMetadata await(Future<RecordMetadata> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted while waiting for Kafka to acknowledge", e);
        } catch (ExecutionException e) {
            throw new KafkaUnavailableException("Kafka did not acknowledge a record: " + e.getCause().getMessage(), e.getCause());
        }
    }

    public static void awaitAll(List<Future<RecordMetadata>> futures) {
        for (Future<RecordMetadata> f : futures) {
            await(f);
        }
    }
}
