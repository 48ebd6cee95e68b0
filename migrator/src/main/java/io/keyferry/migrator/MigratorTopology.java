package io.keyferry.migrator;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.KeyRef;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.nio.charset.StandardCharsets;

/**
 * The migrator's Streams topology: keys topic → migrate each reference of this run → results
 * topic; a record that is not a key reference goes to the dead-letter topic with its reason.
 * References of other runs are passed over. Built by this one pure method so that the
 * topology can be tested without a broker or Redis.
 */
public final class MigratorTopology {
    private MigratorTopology() {
    }

    public static Topology build(String keysTopic, String resultsTopic, String dlqTopic, String run, KeyMigrator migrator,
                                 Metrics metrics) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<byte[], Routed> routed = b.stream(keysTopic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .processValues(() -> new MigrateProcessor(run, migrator, metrics));
        routed.filter((k, v) -> !v.deadLetter()).mapValues(Routed::value)
                .to(resultsTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        routed.filter((k, v) -> v.deadLetter()).mapValues(Routed::value)
                .to(dlqTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return b.build();
    }

    /** A record on its way out: a result, or a dead letter. */
    record Routed(boolean deadLetter, byte[] value) {
    }

    private static final class MigrateProcessor implements FixedKeyProcessor<byte[], byte[], Routed> {
        private final String run;
        private final KeyMigrator migrator;
        private final Metrics metrics;
        private FixedKeyProcessorContext<byte[], Routed> context;

        MigrateProcessor(String run, KeyMigrator migrator, Metrics metrics) {
            this.run = run;
            this.migrator = migrator;
            this.metrics = metrics;
        }

        @Override
        public void init(FixedKeyProcessorContext<byte[], Routed> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<byte[], byte[]> record) {
            String offset = context.recordMetadata()
                    .map(m -> m.topic() + "/" + m.partition() + "@" + m.offset()).orElse(null);
            KeyRef ref;
            try {
                ref = Json.decodeKeyRef(record.value());
            } catch (BadRecordException e) {
                context.forward(record.withValue(new Routed(true, deadLetter(e.getMessage(), offset))));
                metrics.deadLetter();
                return;
            }
            if (!run.equals(ref.run())) {
                return;
            }
            context.forward(record.withValue(new Routed(false, Json.encode(migrator.migrate(ref, offset)))));
        }

        private static byte[] deadLetter(String reason, String offset) {
            var n = Json.reportNode();
            n.put("v", Json.VERSION);
            n.put("record", "dead_letter");
            n.put("reason", reason);
            n.put("from", offset);
            return n.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
