package io.keyferry.kafka;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.ScanProgress;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
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

    /**
     * Records how {@code run} starts, or checks that it was started the same way before.
     *
     * @throws ConfigException naming --run when the run was started in another mode
     */
    public void claim(RunStart start) {
        RunStart earlier = start(start.run()).orElse(null);
        if (earlier != null) {
            if (earlier.mode() != start.mode()) {
                throw new ConfigException("--run", "run " + start.run() + " was started as " + earlier.mode().wire()
                        + "; use a new --run id for " + start.mode().wire());
            }
            return;
        }
        RunStart recorded = start.from(ends(Topics.RESULTS), ends(Topics.AUDIT));
        try (var producer = clients.producer("keyferry-run-" + start.run())) {
            byte[] key = RunStart.recordKey(start.run()).getBytes(StandardCharsets.UTF_8);
            Sends.await(producer.send(new ProducerRecord<>(topic, key, Json.encode(recorded))));
        }
    }

    /** Where each partition of topic {@code name} ends now (its high watermark). */
    private Map<Integer, Long> ends(String name) {
        String t = clients.topic(name);
        try (var c = clients.consumer(null, "keyferry-run-start")) {
            Map<Integer, Long> out = new HashMap<>();
            var tps = c.partitionsFor(t, java.time.Duration.ofSeconds(30)).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(t, p.partition())).toList();
            c.endOffsets(tps, java.time.Duration.ofSeconds(30)).forEach((tp, o) -> out.put(tp.partition(), o));
            return out;
        }
    }

    private record State(Map<String, ScanProgress> scanners, RunStart start) {
    }

    private State read(String run) {
        Map<String, ScanProgress> latest = new HashMap<>();
        RunStart[] start = {null};
        TopicReader.readAll(clients, Topics.PROGRESS, r -> {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith("run/")) {
                    RunStart s = Json.decodeRunStart(r.value());
                    start[0] = start[0] == null ? s : start[0].earliest(s);
                } else {
                    ScanProgress p = Json.decodeProgress(r.value());
                    latest.put(p.scanner(), p);
                }
            } catch (BadRecordException e) {
                // someone else's record on our topic: not ours to interpret
            }
        });
        return new State(latest, start[0]);
    }

    /** Writes {@code p} and waits for Kafka's acknowledgement. */
    public void write(KafkaProducer<byte[], byte[]> producer, ScanProgress p) {
        byte[] key = ScanProgress.recordKey(p.run(), p.scanner()).getBytes(StandardCharsets.UTF_8);
        Sends.await(producer.send(new ProducerRecord<>(topic, key, Json.encode(p))));
    }
}
