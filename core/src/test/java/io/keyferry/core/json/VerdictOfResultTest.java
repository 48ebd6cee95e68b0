package io.keyferry.core.json;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A verdict written around the bytes of its result is the record encoding it would write. */
class VerdictOfResultTest {
    private static final Side SRC = new Side(KeyType.HASH, 1485, "4e1195df020de59e0d65a33a4279f1183e7ae4e5d980e309f8b55adff2e61c3e",
            3_600_000, "4e1195df020de59e0d65a33a4279f118");
    private static final Side DST = new Side(KeyType.HASH, 1485, "4e1195df020de59e0d65a33a4279f1183e7ae4e5d980e309f8b55adff2e61c3e",
            3_599_000);

    private static List<KeyResult> results() {
        List<KeyResult> out = new ArrayList<>();
        for (String workspace : new String[] {null, "acme", "acmé"}) {
            for (RedisKey key : List.of(RedisKey.of("ai:jobs:42"), RedisKey.of(new byte[] {(byte) 0xff, 'k'}), RedisKey.of("a\"b\\c?"))) {
                out.add(new KeyResult("run-1", "ops@host", Mode.EXECUTE, workspace, key, RedisKey.of("new:42"), SRC, DST,
                        1_795_543_227_130L, Status.COPIED, null, null, 1_795_543_227_140L, "keyferry.keys/3@17"));
                out.add(new KeyResult("run-1", null, Mode.DRY_RUN, workspace, key, null, SRC, Side.ABSENT, 0, Status.SKIPPED,
                        SkipReason.NO_RULE, null, -1, null));
                out.add(new KeyResult("run-1", "ops", Mode.EXECUTE, workspace, key, RedisKey.of("new:42"), Side.ABSENT, Side.ABSENT,
                        5, Status.ERROR, null, "the target refused: OOM \"x\"", 6, "keyferry.keys/0@0"));
            }
        }
        return out;
    }

    private static List<AuditRecord> verdicts(KeyResult r) {
        return List.of(new AuditRecord(r, Verdict.MATCH, null, null, 1_795_543_228_000L, "keyferry.results/3@12"),
                new AuditRecord(r, Verdict.MISMATCH, MismatchKind.TTL, "ttl off by 2000 ms", 1_795_543_228_001L, "keyferry.results/0@0"),
                new AuditRecord(r, Verdict.NOT_APPLICABLE, null, null, -5, null));
    }

    @Test
    void aVerdictOnAResultThisVersionWroteIsWrittenAroundItsBytesAsEncodingWouldWriteIt() throws Exception {
        int kept = 0;
        for (KeyResult written : results()) {
            byte[] bytes = Json.encode(written);
            Json.ReadResult read = Json.readResult(bytes);
            assertEquals(written, read.result());
            String text = new String(bytes, StandardCharsets.UTF_8);
            boolean plain = text.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '\\');
            assertEquals(plain, read.record() != null, "carried as it is exactly when plain ASCII without escapes: " + text);
            if (read.record() != null) {
                kept++;
            }
            for (AuditRecord a : verdicts(written)) {
                AuditRecord onRead = new AuditRecord(read.result(), a.verdict(), a.kind(), a.detail(), a.atMs(), a.resultOffset());
                assertArrayEquals(Json.encode(onRead), Json.encode(onRead, read), new String(Json.encode(onRead), StandardCharsets.UTF_8));
            }
        }
        assertEquals(4, kept, "workspace none or acme, the UTF-8 key without quotes, a status without a quoted message");
    }

    @Test
    void aResultRecordNotInThisVersionsFormIsEncodedAnewOrReadsBackAlike() throws Exception {
        KeyResult r = results().get(0);
        String json = new String(Json.encode(r), StandardCharsets.UTF_8);
        List<String> notOurs = List.of(
                json.replace("\"status\"", "\"status\":\"error\",\"status\""),        // a field twice
                json.replace("\"key_offset\"", "\"verdict\":\"mismatch\",\"key_offset\""), // a verdict's name
                json.replace("\"key_offset\"", "\"x_unknown\":1,\"key_offset\""),       // a name not ours
                json.replace("\"run-1\"", "\"r\\u0075n-1\""),                           // an escape: Jackson's to read
                json.replace("{\"v\":1,\"record\":\"result\",", "{\"record\":\"result\",\"v\":1,"),
                json + " ");
        for (String v : notOurs) {
            Json.ReadResult read = Json.readResult(v.getBytes(StandardCharsets.UTF_8));
            assertNull(read.record(), v);
            AuditRecord a = new AuditRecord(read.result(), Verdict.MATCH, null, null, 7, "o");
            assertArrayEquals(Json.encode(a), Json.encode(a, read), v);
        }
        // white space between fields is read the same whichever way it is written
        String spaced = json.replace(",\"", ", \"").replace("{\"v\":1, \"record\":\"result\", ", "{\"v\":1,\"record\":\"result\",");
        Json.ReadResult read = Json.readResult(spaced.getBytes(StandardCharsets.UTF_8));
        assertNotNull(read.record(), spaced);
        AuditRecord a = new AuditRecord(read.result(), Verdict.MISMATCH, MismatchKind.VALUE, "d", 7, "o");
        assertEquals(Json.decodeAudit(Json.encode(a)), Json.decodeAudit(Json.encode(a, read)));
        assertEquals(a, Json.decodeAudit(Json.encode(a, read)));
    }

    @Test
    void aVerdictsTimeIsWrittenAsAnInstantWritesItWhateverTheSecondBefore() throws Exception {
        java.util.Random random = new java.util.Random(7);
        List<Long> times = new ArrayList<>(List.of(0L, 1L, 999L, 1000L, 1001L, 100L, 10L, -1L, -999L, -1000L, -1001L,
                253_402_300_799_999L, 253_402_300_800_000L, Long.MAX_VALUE, Long.MIN_VALUE, 1_795_543_228_000L,
                1_795_543_228_000L, 1_795_543_228_001L, 1_795_543_228_999L, 1_795_543_229_000L, 1_795_543_228_500L));
        for (int i = 0; i < 2000; i++) {
            times.add(random.nextInt(4) == 0 ? random.nextLong() : 1_795_543_228_000L + random.nextInt(5000));
        }
        KeyResult r = results().get(0);
        for (long t : times) {
            byte[] json = Json.encode(new AuditRecord(r, Verdict.MATCH, null, null, t, "o"));
            assertEquals(java.time.Instant.ofEpochMilli(t).toString(), Json.MAPPER.readTree(json).get("time").asText(), "at " + t);
        }
    }

    @Test
    void aVerdictOnAnotherResultThanTheOneReadIsEncodedAnew() throws Exception {
        KeyResult r = results().get(0);
        Json.ReadResult read = Json.readResult(Json.encode(r));
        assertNotNull(read.record());
        KeyResult other = results().get(3);
        AuditRecord a = new AuditRecord(other, Verdict.MATCH, null, null, 7, "o");
        assertArrayEquals(Json.encode(a), Json.encode(a, read));
    }
}
