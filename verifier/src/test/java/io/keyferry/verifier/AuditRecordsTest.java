package io.keyferry.verifier;

import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import io.keyferry.core.report.CountsHeader;
import io.keyferry.core.report.RunTally;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditRecordsTest {
    private static final AuditRecord MATCH = new AuditRecord(new KeyResult("r1", "alice", Mode.EXECUTE, null, RedisKey.of("k"),
            RedisKey.of("new:k"), new Side(KeyType.STRING, 3, "a".repeat(64), -1), new Side(KeyType.STRING, 3, "a".repeat(64), -1),
            98, Status.COPIED, null, null, 99, "t.keys/0@1"), Verdict.MATCH, null, null, 100, "t.results/0@1");

    @Test
    void aVerdictKeyedByItsKeyCarriesTheSummarysCountsBesideItsJson() {
        byte[] json = Json.encode(MATCH);
        ProducerRecord<byte[], byte[]> rec = VerifierApp.audit("audit", "k".getBytes(), MATCH, json);
        assertArrayEquals(json, rec.value());
        Header h = rec.headers().lastHeader(CountsHeader.NAME);
        try (RunTally tally = RunTally.countsOnly("r1")) {
            assertTrue(tally.addCounted(rec.key(), h.value()));
            assertEquals(1, tally.summary().count(Verdict.MATCH));
        }
    }

    @Test
    void aVerdictKeyedOtherwiseCarriesNoHeaderSoItsJsonIsRead() {
        ProducerRecord<byte[], byte[]> rec = VerifierApp.audit("audit", "other".getBytes(), MATCH, Json.encode(MATCH));
        assertNull(rec.headers().lastHeader(CountsHeader.NAME));
        assertNull(VerifierApp.audit("audit", null, MATCH, Json.encode(MATCH)).headers().lastHeader(CountsHeader.NAME));
    }
}
