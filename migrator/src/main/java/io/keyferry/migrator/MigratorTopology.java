package io.keyferry.migrator;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.RedisKey;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import io.keyferry.core.model.KeyResult;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.util.List;

/**
 * The migrator's Streams topology: keys topic → migrate each reference of this run (a page of
 * them at a time) → results topic, one result per key; a record that is not a key reference (or
 * a page of them) goes to the dead-letter topic with its reason.
 * References of other runs are passed over. Built by this one pure method so that the
 * topology can be tested without a broker or Redis.
 */
public final class MigratorTopology {
    private MigratorTopology() {
    }

    /**
     * The store of what a {@code --follow} run owns ({@link Owned}), by source key. In memory,
     * restored from its changelog topic when a task starts (the jar carries no RocksDB).
     */
    public static final String OWNED_STORE = "keyferry-owned";

    public static Topology build(String keysTopic, String resultsTopic, String dlqTopic, String run, KeyMigrator migrator,
                                 Metrics metrics) {
        return build(keysTopic, resultsTopic, dlqTopic, run, migrator, metrics, false);
    }

    /** @param follow a {@code --follow} run: keys the run wrote follow their source ({@link KeyMigrator#follow}) */
    public static Topology build(String keysTopic, String resultsTopic, String dlqTopic, String run, KeyMigrator migrator,
                                 Metrics metrics, boolean follow) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<byte[], byte[]> keys = b.stream(keysTopic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
        KStream<byte[], Routed> routed;
        if (follow) {
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OWNED_STORE), Serdes.Bytes(),
                    Serdes.ByteArray()));
            routed = keys.process(() -> new MigrateProcessor(run, migrator, metrics, true), OWNED_STORE);
        } else {
            routed = keys.process(() -> new MigrateProcessor(run, migrator, metrics, false));
        }
        routed.filter((k, v) -> !v.deadLetter()).mapValues(Routed::value)
                .to(resultsTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        routed.filter((k, v) -> v.deadLetter()).mapValues(Routed::value)
                .to(dlqTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return b.build();
    }

    /** A record on its way out: a result, or a dead letter. */
    record Routed(boolean deadLetter, byte[] value) {
    }

    /**
     * One keys-topic record (a key reference, or a page of them) in, one result per key out,
     * each keyed by its source key; or one dead letter keyed as the record was.
     */
    private static final class MigrateProcessor implements Processor<byte[], byte[], byte[], Routed> {
        private final String run;
        private final KeyMigrator migrator;
        private final Metrics metrics;
        private final boolean follow;
        private ProcessorContext<byte[], Routed> context;
        private Owned owned;

        MigrateProcessor(String run, KeyMigrator migrator, Metrics metrics, boolean follow) {
            this.run = run;
            this.migrator = migrator;
            this.metrics = metrics;
            this.follow = follow;
        }

        @Override
        public void init(ProcessorContext<byte[], Routed> context) {
            this.context = context;
            if (follow) {
                KeyValueStore<Bytes, byte[]> store = context.getStateStore(OWNED_STORE);
                owned = new Owned() {
                    @Override
                    public Entry get(RedisKey sourceKey) {
                        byte[] v = store.get(Bytes.wrap(sourceKey.unsafeBytes()));
                        return v == null ? null : Entry.of(v);
                    }

                    @Override
                    public void put(RedisKey sourceKey, Entry entry) {
                        store.put(Bytes.wrap(sourceKey.bytes()), entry.bytes());
                    }

                    @Override
                    public void remove(RedisKey sourceKey) {
                        store.delete(Bytes.wrap(sourceKey.unsafeBytes()));
                    }
                };
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            String offset = context.recordMetadata()
                    .map(m -> m.topic() + "/" + m.partition() + "@" + m.offset()).orElse(null);
            List<KeyRef> refs;
            try {
                refs = Json.decodeKeyRefs(record.value());
            } catch (BadRecordException e) {
                context.forward(record.withValue(new Routed(true, deadLetter(e.getMessage(), offset))));
                metrics.deadLetter();
                return;
            }
            if (!run.equals(refs.get(0).run())) {
                return;
            }
            for (KeyResult r : follow ? follow(refs, offset) : migrator.migrateAll(refs, offset)) {
                context.forward(new Record<>(r.key().bytes(), new Routed(false, Json.encode(r)), record.timestamp(),
                        record.headers()));
            }
        }

        /** A page of a follow run ({@link KeyMigrator#followAll}), with the follow metrics. */
        private List<KeyResult> follow(List<KeyRef> refs, String offset) {
            List<KeyResult> results = migrator.followAll(refs, offset, owned);
            for (int i = 0; i < refs.size(); i++) {
                KeyRef ref = refs.get(i);
                KeyResult r = results.get(i);
                if (KeyRef.FOLLOWER.equals(ref.scanner()) && r.status().changedTarget()) {
                    metrics.changeCopied(r.workspace());
                }
            }
            return results;
        }

        private static byte[] deadLetter(String reason, String offset) {
            return Json.encodeDeadLetter(reason, offset);
        }
    }
}
