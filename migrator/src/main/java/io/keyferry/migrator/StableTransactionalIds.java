package io.keyferry.migrator;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives a replica's Streams producers transactional ids that survive a crash.
 *
 * <p>Streams names them {@code <application.id>-<process id>-<thread index>}, and keeps its process
 * id across restarts only for topologies with persistent stores; the migrator has none, so a
 * replica restarted after a kill -9 came back under new ids, did not fence its predecessor, and
 * the dead transaction held back the results topic for read-committed readers until it timed out
 * ({@link MigratorApp#TRANSACTION_TIMEOUT_MS}). Here the process id part is replaced by an id kept
 * next to the replica's slot: a replica restarted in its slot takes the same ids, and its first
 * {@code initTransactions} aborts what the dead one left open ({@link io.keyferry.kafka.ReplicaSlot}).
 */
final class StableTransactionalIds implements KafkaClientSupplier {
    private final String applicationId;
    private final String replicaId;

    StableTransactionalIds(String applicationId, String replicaId) {
        this.applicationId = applicationId;
        this.replicaId = replicaId;
    }

    /**
     * {@code <application.id>-<process id>-<thread index>} becomes
     * {@code <application.id>-<replica id>-<thread index>}; anything else is left as it is.
     */
    String stable(String transactionalId) {
        if (transactionalId == null || !transactionalId.startsWith(applicationId + "-")) {
            return transactionalId;
        }
        int thread = transactionalId.lastIndexOf('-');
        if (thread <= applicationId.length()) {
            return transactionalId;
        }
        return applicationId + "-" + replicaId + transactionalId.substring(thread);
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        Map<String, Object> c = new HashMap<>(config);
        Object id = c.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        if (id != null) {
            c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, stable(id.toString()));
        }
        return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }
}
