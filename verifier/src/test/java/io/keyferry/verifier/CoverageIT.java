package io.keyferry.verifier;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import io.keyferry.core.report.RunTally;
import io.keyferry.local.EmbeddedBroker;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CoverageIT {
    @TempDir
    Path dir;

    private static AuditRecord verdict(String run, String key) {
        Side side = new Side(KeyType.STRING, 3, "a".repeat(64), -1);
        KeyResult r = new KeyResult(run, "alice", Mode.EXECUTE, null, RedisKey.of(key), RedisKey.of(key), side, side,
                1, Status.COPIED, null, null, 2, "t.keys/0@1");
        return new AuditRecord(r, Verdict.MATCH, null, null, 3, "t.results/0@1");
    }

    /** Publishes {@code keys} as the scanner does, in pages, and returns the offsets per partition it reached. */
    private static Map<Integer, Long> publish(KafkaProducer<byte[], byte[]> p, KafkaClients clients, String run, List<String> keys) {
        Map<Integer, Long> last = new HashMap<>();
        for (int from = 0; from < keys.size(); from += 7) {
            List<RedisKey> page = keys.subList(from, Math.min(keys.size(), from + 7)).stream().map(RedisKey::of).toList();
            RecordMetadata md = Sends.await(p.send(new ProducerRecord<>(clients.topic(Topics.KEYS), page.get(0).bytes(),
                    Json.encodePage(run, null, "s", from, page))));
            last.merge(md.partition(), md.offset(), Math::max);
        }
        return last;
    }

    @Test
    void aTallyHoldingEveryPublishedKeyLacksNoneEvenWhenAResumePublishedSomeTwice() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"))) {
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "cov", 3, Map.of(), dir);
            KafkaClients clients = new KafkaClients(s, broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, s);
            }
            List<String> keys = IntStream.range(0, 50).mapToObj(i -> "k:" + i).toList();
            try (var producer = clients.producer("cov-test")) {
                publish(producer, clients, "other", List.of("k:999", "k:1000")); // another run's keys, below this run's
                Map<Integer, Long> from = new ProgressTopic(clients).keysEnd();
                Map<Integer, Long> last = new HashMap<>(publish(producer, clients, "r1", keys));
                // a resume publishes the last page again
                publish(producer, clients, "r1", keys.subList(40, 50)).forEach((p, o) -> last.merge(p, o, Math::max));
                publish(producer, clients, "other", List.of("k:1001")); // and another run's, after
                Map<String, ScanProgress> scanners = Map.of("s",
                        new ScanProgress("r1", "s", null, Map.of(), 60, true, last, 5, from));

                try (RunTally all = new RunTally("r1"); RunTally short2 = new RunTally("r1")) {
                    keys.forEach(k -> all.add(verdict("r1", k)));
                    keys.stream().filter(k -> !k.equals("k:3") && !k.equals("k:44")).forEach(k -> short2.add(verdict("r1", k)));
                    assertEquals(new Coverage.Gap(0, 50), Coverage.of(clients, "r1", scanners, all));
                    assertEquals(new Coverage.Gap(2, 50), Coverage.of(clients, "r1", scanners, short2),
                            "k:3 and k:44 have no verdict; other runs' keys are not counted");
                }
            }
        }
    }
}
