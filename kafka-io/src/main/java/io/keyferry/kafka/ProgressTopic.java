package io.keyferry.kafka;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.model.RunEnd;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.ScanProgress;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes scan checkpoints and end-of-scan records on the compacted progress topic. */
public final class ProgressTopic {
    private final KafkaClients clients;
    private final String topic;

    public ProgressTopic(KafkaClients clients) {
        this.clients = clients;
        this.topic = clients.topic(Topics.PROGRESS);
    }

    /** The latest state of every scanner of {@code run}, read from the start of the topic to its end. */
    public Map<String, ScanProgress> scanners(String run) {
        return read(run).scanners();
    }

    /** How the run was started, if a migrator has started it. */
    public java.util.Optional<RunStart> start(String run) {
        return java.util.Optional.ofNullable(read(run).start());
    }

    /** Where the run's results begin on each partition, as recorded when it started; empty before. */
    public Map<Integer, Long> resultsFrom(String run) {
        return start(run).map(RunStart::resultsFrom).orElse(Map.of());
    }

    /** Where the run's audit records begin on each partition, as recorded when it started; empty before. */
    public Map<Integer, Long> auditFrom(String run) {
        return start(run).map(RunStart::auditFrom).orElse(Map.of());
    }

    /**
     * Records how {@code run} starts, or checks that it was started the same way before.
     *
     * @return what the topic said of the run before this start (a finished run's end included)
     * @throws ConfigException naming --run when the run was started in another mode, or --workspace
     *                         when a scanner scopes the run to a workspace this start cannot filter by
     */
    public State claim(RunStart start) {
        State state = read(start.run());
        RunStart earlier = state.start();
        if (earlier != null && earlier.mode() != start.mode()) {
            throw new ConfigException("--run", "run " + start.run() + " was started as " + earlier.mode().wire()
                    + "; use a new --run id for " + start.mode().wire());
        }
        if (Boolean.FALSE.equals(start.scopesWorkspaces())) {
            for (ScanProgress s : state.scanners().values()) {
                if (s.workspace() != null) {
                    throw new ConfigException("--workspace", "scanner " + s.scanner() + " of run " + start.run()
                            + " scopes it to workspace " + s.workspace() + ", but no --rename captures {workspace_id} and no "
                            + "--derive names it, so every workspace's keys would go through");
                }
            }
        }
        if (earlier != null) {
            return state;
        }
        Map<String, Map<Integer, Long>> ends = ends(Topics.RESULTS, Topics.AUDIT, Topics.BACKUP);
        RunStart recorded = start.from(ends.get(Topics.RESULTS), ends.get(Topics.AUDIT), ends.get(Topics.BACKUP));
        try (var producer = clients.producer("keyferry-run-" + start.run())) {
            byte[] key = RunStart.recordKey(start.run()).getBytes(StandardCharsets.UTF_8);
            Sends.await(producer.send(new ProducerRecord<>(topic, key, Json.encode(recorded))));
        }
        return state;
    }

    /** Where each partition of the keys topic ends now: a scanner starting now publishes above it. */
    public Map<Integer, Long> keysEnd() {
        return ends(Topics.KEYS).get(Topics.KEYS);
    }

    /**
     * Where each partition of each topic {@code names} ends now (its high watermark): nothing
     * written later lies below. One reader asks for all of them.
     */
    private Map<String, Map<Integer, Long>> ends(String... names) {
        try (var c = TopicReader.endReader(clients)) {
            Map<String, Map<Integer, Long>> out = new HashMap<>();
            for (String name : names) {
                String t = clients.topic(name);
                Map<Integer, Long> ends = new HashMap<>();
                var tps = c.partitionsFor(t, java.time.Duration.ofSeconds(30)).stream()
                        .map(p -> new org.apache.kafka.common.TopicPartition(t, p.partition())).toList();
                c.endOffsets(tps, java.time.Duration.ofSeconds(30)).forEach((tp, o) -> ends.put(tp.partition(), o));
                out.put(name, ends);
            }
            return out;
        }
    }

    /** What the progress topic says about one run: its scanners' latest states, and how it started. */
    public static final class State {
        private final String run;
        private final Map<String, ScanProgress> scanners = new HashMap<>();
        private RunStart start;
        private RunEnd end;
        private io.keyferry.core.model.Cutover.Request cutover;
        private io.keyferry.core.model.Cutover.Done cutoverDone;

        State(String run) {
            this.run = run;
        }

        public Map<String, ScanProgress> scanners() {
            return java.util.Collections.unmodifiableMap(scanners);
        }

        public RunStart start() {
            return start;
        }

        /** When the run was found complete; null while it is not. */
        public RunEnd end() {
            return end;
        }

        /** The latest cut-over asked of the run, or null. */
        public io.keyferry.core.model.Cutover.Request cutover() {
            return cutover;
        }

        /** What the run's cut-over found, or null before it is done. */
        public io.keyferry.core.model.Cutover.Done cutoverDone() {
            return cutoverDone;
        }

        /** Whether anything of the run is on the topic: a migrator started it, or a scanner began. */
        public boolean exists() {
            return start != null || !scanners.isEmpty();
        }

        private State copy() {
            State c = new State(run);
            c.scanners.putAll(scanners);
            c.start = start;
            c.end = end;
            c.cutover = cutover;
            c.cutoverDone = cutoverDone;
            return c;
        }

        void add(ConsumerRecord<byte[], byte[]> r) {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                if (key.startsWith("run/")) {
                    RunStart s = Json.decodeRunStart(r.value());
                    start = start == null ? s : start.earliest(s);
                } else if (key.startsWith("cutover/")) {
                    cutover = Json.decodeCutoverRequest(r.value());
                } else if (key.startsWith("cutover-done/")) {
                    cutoverDone = Json.decodeCutoverDone(r.value());
                } else if (key.startsWith("end/")) {
                    RunEnd e = Json.decodeRunEnd(r.value());
                    end = end == null || e.atMs() < end.atMs() ? e : end;
                } else {
                    ScanProgress p = Json.decodeProgress(r.value());
                    scanners.put(p.scanner(), p);
                }
            } catch (BadRecordException e) {
                // someone else's record on our topic: not ours to interpret
            }
        }
    }

    /** Everything the topic says about {@code run} now. */
    public State state(String run) {
        return read(run);
    }

    /** Writes one of the run's cut-over records ({@link io.keyferry.core.model.Cutover}), acknowledged. */
    public void cutover(String recordKey, byte[] value) {
        try (var producer = clients.producer("keyferry-cutover")) {
            Sends.await(producer.send(new ProducerRecord<>(topic, recordKey.getBytes(StandardCharsets.UTF_8), value)));
        }
    }

    /** Records that {@code run} is complete, in the producer's transaction if it has one open. */
    public void finish(KafkaProducer<byte[], byte[]> producer, RunEnd end) {
        byte[] key = RunEnd.recordKey(end.run()).getBytes(StandardCharsets.UTF_8);
        Sends.await(producer.send(new ProducerRecord<>(topic, key, Json.encode(end))));
    }

    private State read(String run) {
        State state = new State(run);
        TopicReader.readAll(clients, Topics.PROGRESS, state::add);
        return state;
    }

    /**
     * Follows one run on the topic: each {@link #now()} reads only the records written since the
     * one before. The topic holds a checkpoint per scan page of every run with the prefix, so
     * reading it whole twice a second, as a completion watch asks, cost more the longer a run got.
     */
    public Follower follow(String run) {
        return new Follower(run);
    }

    public final class Follower implements AutoCloseable {
        private final State state;
        private KafkaConsumer<byte[], byte[]> consumer;
        private KafkaConsumer<byte[], byte[]> ends;
        private List<TopicPartition> partitions;
        private boolean readAtRest;

        private Follower(String run) {
            this.state = new State(run);
        }

        /**
         * The run as the topic has it now, every record committed so far included (read up to the
         * high watermark: see {@link TopicReader}): a copy of its own for the caller.
         */
        public synchronized State now() {
            if (clients.stored() != null) {
                // at rest the topic does not change: one read is all there is
                if (!readAtRest) {
                    TopicReader.readAll(clients, Topics.PROGRESS, state::add);
                    readAtRest = true;
                }
                return state.copy();
            }
            if (consumer == null) {
                KafkaConsumer<byte[], byte[]> c = clients.consumer(null, "keyferry-reader-" + Topics.PROGRESS);
                try {
                    partitions = TopicReader.assignAll(c, topic, Map.of());
                    ends = TopicReader.endReader(clients);
                } catch (RuntimeException e) {
                    c.close();
                    throw e;
                }
                consumer = c;
            }
            TopicReader.readUpTo(consumer, ends.endOffsets(partitions, Duration.ofSeconds(30)), state::add, () -> false);
            return state.copy();
        }

        @Override
        public synchronized void close() {
            if (consumer != null) {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
                consumer = null;
            }
            if (ends != null) {
                ends.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
                ends = null;
            }
        }
    }

    /** Writes {@code p} and waits for Kafka's acknowledgement. */
    public void write(KafkaProducer<byte[], byte[]> producer, ScanProgress p) {
        byte[] key = ScanProgress.recordKey(p.run(), p.scanner()).getBytes(StandardCharsets.UTF_8);
        Sends.await(producer.send(new ProducerRecord<>(topic, key, Json.encode(p))));
    }
}
