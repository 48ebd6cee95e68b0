package io.keyferry.migrator;

import io.keyferry.core.json.Json;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;

/**
 * Writes previous target values to {@code <prefix>.backup} with its own idempotent producer and
 * waits for the acknowledgement: outside the Streams transaction on purpose, because the Redis
 * overwrite that follows cannot be rolled back with it — the backup must exist before it.
 */
public final class BackupTopic implements BackupSink, AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public BackupTopic(KafkaClients clients, String run) {
        this.producer = clients.producer("keyferry-backup-" + run);
        this.topic = clients.topic(Topics.BACKUP);
    }

    @Override
    public void keep(BackupRecord record) {
        Sends.await(producer.send(new ProducerRecord<>(topic, record.targetKey().bytes(), Json.encode(record))));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
