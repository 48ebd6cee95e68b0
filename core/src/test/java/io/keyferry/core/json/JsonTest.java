package io.keyferry.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyferry.core.model.AuditCounts;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    private static final byte[] BINARY = {(byte) 0xff, (byte) 0xfe, 0x00, 0x0a};
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KeyResult copied(RedisKey key, RedisKey target) {
        return new KeyResult("run-1", "alice", Mode.EXECUTE, "ws-1", key, target,
                new Side(KeyType.HASH, 42, "aa".repeat(32), 5000, "bb".repeat(16)), new Side(KeyType.HASH, 42, "aa".repeat(32), 4990),
                1_700_000_000_000L, Status.COPIED, null, null, 1_700_000_000_100L, "keyferry.keys/3@17");
    }

    private static KeyResult skipped(RedisKey key) {
        return new KeyResult("run-1", null, Mode.DRY_RUN, null, key, null, Side.ABSENT, Side.ABSENT,
                0, Status.SKIPPED, SkipReason.NO_RULE, null, 5, null);
    }

    @Test
    void keyRefRoundTrips() throws Exception {
        KeyRef ref = new KeyRef("run-1", RedisKey.of("job:42"), "ws-1", "scanner-a", 7);
        assertEquals(ref, Json.decodeKeyRef(Json.encode(ref)));
    }

    @Test
    void aPageOfKeysDecodesToOneReferencePerKeyWithSeqCountingOn() throws Exception {
        byte[] page = Json.encodePage("run-1", "ws-1", "scanner-a", 100,
                java.util.List.of(RedisKey.of("job:1"), RedisKey.of(BINARY), RedisKey.of("job:3")));
        assertEquals(java.util.List.of(new KeyRef("run-1", RedisKey.of("job:1"), "ws-1", "scanner-a", 100),
                new KeyRef("run-1", RedisKey.of(BINARY), "ws-1", "scanner-a", 101),
                new KeyRef("run-1", RedisKey.of("job:3"), "ws-1", "scanner-a", 102)), Json.decodeKeyRefs(page));
        assertEquals("run-1", Json.runOf(page));
    }

    @Test
    void aSingleReferenceIsAlsoAKeysTopicRecordButNothingElseIs() throws Exception {
        KeyRef ref = new KeyRef("run-1", RedisKey.of("job:42"), null, "scanner-a", 7);
        assertEquals(java.util.List.of(ref), Json.decodeKeyRefs(Json.encode(ref)));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRefs("{\"v\":1,\"record\":\"keypage\",\"run\":\"r\",\"scanner\":\"s\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRefs(("{\"v\":1,\"record\":\"keypage\",\"run\":\"r\",\"scanner\":\"s\","
                + "\"keys\":[{\"key\":\"\"}]}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRefs("[1,2]".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keyRefWithoutWorkspaceRoundTrips() throws Exception {
        KeyRef ref = new KeyRef("run-1", RedisKey.of("job:42"), null, "scanner-a", 0);
        KeyRef back = Json.decodeKeyRef(Json.encode(ref));
        assertEquals(ref, back);
        assertNull(back.workspace());
    }

    @Test
    void nonUtf8KeyRoundTripsByteExactly() throws Exception {
        KeyRef ref = new KeyRef("run-1", RedisKey.of(BINARY), null, "s", 1);
        KeyRef back = Json.decodeKeyRef(Json.encode(ref));
        assertArrayEquals(BINARY, back.key().bytes());
    }

    @Test
    void nonUtf8KeyIsCarriedAsBase64WithAReadableForm() throws Exception {
        JsonNode n = MAPPER.readTree(Json.encode(new KeyRef("run-1", RedisKey.of(BINARY), null, "s", 1)));
        assertEquals("//4ACg==", n.get("key_b64").asText());
        assertEquals("\\xff\\xfe\\x00\\x0a", n.get("key").asText());
    }

    @Test
    void utf8KeyIsCarriedAsText() throws Exception {
        RedisKey key = RedisKey.of("ключ:ü:😀");
        byte[] json = Json.encode(new KeyRef("run-1", key, null, "s", 1));
        JsonNode n = MAPPER.readTree(json);
        assertEquals("ключ:ü:😀", n.get("key").asText());
        assertFalse(n.has("key_b64"));
        assertArrayEquals(b("ключ:ü:😀"), Json.decodeKeyRef(json).key().bytes());
    }

    @Test
    void recordsCarryVersionKindAndRun() throws Exception {
        JsonNode n = MAPPER.readTree(Json.encode(new KeyRef("run-1", RedisKey.of("k"), null, "s", 1)));
        assertEquals(Json.VERSION, n.get("v").asInt());
        assertEquals("keyref", n.get("record").asText());
        assertEquals("run-1", n.get("run").asText());
    }

    @Test
    void resultRoundTrips() throws Exception {
        KeyResult r = copied(RedisKey.of("job:1"), RedisKey.of("step:1"));
        assertEquals(r, Json.decodeResult(Json.encode(r)));
        assertEquals("bb".repeat(16), Json.decodeResult(Json.encode(r)).source().digest());
        assertNull(Json.decodeResult(Json.encode(r)).target().digest());
    }

    @Test
    void aResultsNamesRoundTripAndANamesFieldThatIsNotAnObjectOfTextsReadsAsNone() throws Exception {
        KeyResult plain = copied(RedisKey.of("ai:jobs:7"), RedisKey.of("ai:job:ws-1:7"));
        KeyResult r = new KeyResult(plain.run(), plain.actor(), plain.mode(), "ws-1", plain.key(), plain.targetKey(),
                plain.source(), plain.target(), plain.readAtMs(), plain.status(), null, null, plain.atMs(), plain.keyOffset(),
                Map.of("job_id", "7", "workspace_id", "ws-1"));
        assertEquals(r, Json.decodeResult(Json.encode(r)));
        assertEquals("{\"job_id\":\"7\",\"workspace_id\":\"ws-1\"}", MAPPER.readTree(Json.encode(r)).get("names").toString());
        AuditRecord a = new AuditRecord(r, Verdict.MATCH, null, null, 5, "t/0@1");
        assertEquals(r.names(), Json.decodeAudit(Json.encode(a)).result().names());
        assertEquals(Map.of(), Json.decodeResult(Json.encode(plain)).names());
        assertFalse(new String(Json.encode(plain), StandardCharsets.UTF_8).contains("names"), "no names, no field");

        String head = "{\"v\":1,\"record\":\"result\",\"run\":\"r\",\"mode\":\"execute\",\"key\":\"k\",\"status\":\"would_copy\"";
        assertEquals(Map.of(), Json.decodeResult(b(head + ",\"names\":\"id=1\"}")).names());
        assertEquals(Map.of(), Json.decodeResult(b(head + ",\"names\":{\"id\":{\"x\":1}}}")).names());
        assertEquals(Map.of("id", "1", "n", "2"), Json.decodeResult(b(head + ",\"names\":{\"id\":\"1\",\"n\":2,\"z\":null}}")).names());
        assertEquals("would_copy", Json.decodeResult(b(head + ",\"names\":{\"id\":[1,{\"a\":2}]},\"actor\":\"x\"}")).status().wire());
        assertEquals("x", Json.decodeResult(b(head + ",\"names\":{\"id\":[1,{\"a\":2}]},\"actor\":\"x\"}")).actor());
    }

    @Test
    void resultsAndVerdictsRoundTripWhateverTheCharactersOfTheirTexts() throws Exception {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "aZ09 \"\\/\b\f\n\r\t\u0000\u0001\u001f\u007f\u0080é\u07ff\u0800ключ\uffff\u2028😀\ud800";
        for (int round = 0; round < 500; round++) {
            String actor = randomText(random, alphabet);
            String workspace = randomText(random, alphabet);
            String message = randomText(random, alphabet);
            RedisKey key = RedisKey.of(("k:" + randomText(random, alphabet)).getBytes(StandardCharsets.UTF_8));
            KeyResult r = new KeyResult("run-" + round, actor, Mode.EXECUTE, workspace, key, key,
                    new Side(KeyType.STRING, random.nextInt(1 << 20), "ab".repeat(32), random.nextLong(), "cd".repeat(16)),
                    Side.ABSENT, random.nextLong(), Status.ERROR, null, message, Math.abs(random.nextLong()), "keys/1@" + round);
            for (byte[] ours : new byte[][] {Json.encode(r), Json.encode(new AuditRecord(r, Verdict.NOT_APPLICABLE, null, message, 5, "o"))}) {
                JsonNode tree = MAPPER.readTree(ours);
                assertEquals(actor, tree.get("actor").asText());
                assertEquals(workspace, tree.get("workspace").asText());
                assertEquals(message, tree.get("message").asText());
            }
            assertEquals(r, Json.decodeResult(Json.encode(r)));
        }
    }

    private static String randomText(java.util.Random random, String alphabet) {
        int[] codePoints = alphabet.codePoints().toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            sb.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
        }
        return sb.toString();
    }

    @Test
    void resultWithBinaryKeysRoundTrips() throws Exception {
        byte[] target = {'t', ':', (byte) 0x80, 0};
        KeyResult r = copied(RedisKey.of(BINARY), RedisKey.of(target));
        KeyResult back = Json.decodeResult(Json.encode(r));
        assertArrayEquals(BINARY, back.key().bytes());
        assertArrayEquals(target, back.targetKey().bytes());
        assertEquals(r, back);
    }

    @Test
    void skippedResultWithAbsentSidesRoundTrips() throws Exception {
        KeyResult r = skipped(RedisKey.of("x"));
        KeyResult back = Json.decodeResult(Json.encode(r));
        assertEquals(r, back);
        assertEquals(Side.ABSENT, back.source());
        assertNull(back.targetKey());
        assertEquals(SkipReason.NO_RULE, back.reason());
    }

    @Test
    void errorResultKeepsItsMessage() throws Exception {
        KeyResult r = new KeyResult("run-1", "bob", Mode.EXECUTE, null, RedisKey.of("k"), RedisKey.of("k2"),
                new Side(KeyType.STRING, 3, "bb".repeat(32), -1), Side.ABSENT, 10, Status.ERROR, null,
                "timed out after 3 tries", 20, "t/0@1");
        assertEquals(r, Json.decodeResult(Json.encode(r)));
    }

    @Test
    void auditRecordRoundTrips() throws Exception {
        AuditRecord a = new AuditRecord(copied(RedisKey.of("job:1"), RedisKey.of("step:1")), Verdict.MISMATCH,
                MismatchKind.TTL, "target TTL off", 1_700_000_001_000L, "keyferry.results/2@99");
        AuditRecord back = Json.decodeAudit(Json.encode(a));
        assertEquals(a, back);
    }

    @Test
    void auditRecordWithBinaryKeyAndNoKindRoundTrips() throws Exception {
        AuditRecord a = new AuditRecord(skipped(RedisKey.of(BINARY)), Verdict.NOT_APPLICABLE, null, null, 77, null);
        AuditRecord back = Json.decodeAudit(Json.encode(a));
        assertEquals(a, back);
        assertArrayEquals(BINARY, back.result().key().bytes());
    }

    @Test
    void theCountsOfAnAuditRecordAreThoseOfTheWholeRecordDecoded() throws Exception {
        List<AuditRecord> records = List.of(
                new AuditRecord(copied(RedisKey.of("job:1"), RedisKey.of("step:1")), Verdict.MISMATCH, MismatchKind.TTL,
                        "target TTL off", 1_700_000_001_000L, "keyferry.results/2@99"),
                new AuditRecord(copied(RedisKey.of(BINARY), RedisKey.of("t")), Verdict.MATCH, null, null, 9, "o"),
                new AuditRecord(skipped(RedisKey.of(BINARY)), Verdict.NOT_APPLICABLE, null, null, 77, null),
                new AuditRecord(new KeyResult("run-2", null, Mode.EXECUTE, null, RedisKey.of("k \"quoted\" é"), null,
                        Side.ABSENT, Side.ABSENT, 0, Status.ERROR, null, "timed out", 12, null), Verdict.NOT_APPLICABLE, null,
                        null, 13, null));
        for (AuditRecord a : records) {
            byte[] json = Json.encode(a);
            assertEquals(AuditCounts.of(Json.decodeAudit(json)), Json.decodeCounts(json), Json.string(json));
        }
    }

    @Test
    void aRecordTheWholeDecodingRefusesIsRefusedByTheCountsToo() {
        String good = Json.string(Json.encode(new AuditRecord(copied(RedisKey.of("a"), RedisKey.of("b")), Verdict.MATCH,
                null, null, 5, "o")));
        List<String> bad = List.of(
                good.replace("\"status\":\"copied\"", "\"status\":\"teleported\""),
                good.replace("\"verdict\":\"match\"", "\"verdict\":\"maybe\""),
                good.replace("\"verdict\":\"match\"", "\"verdict\":\"mismatch\""), // a mismatch without its kind
                good.replace("\"mode\":\"execute\"", "\"mode\":\"sometimes\""),
                good.replace("\"source_type\":\"hash\"", "\"source_type\":\"tree\""),
                good.replace("\"record\":\"audit\"", "\"record\":\"result\""),
                good.replace("\"v\":1", "\"v\":2"),
                good.replace("\"run\":\"run-1\",", ""),
                good.replace("\"key\":\"a\",", ""),
                good.replace("\"key\":\"a\"", "\"key_b64\":\"!!\""),
                good.replace("\"target_key\":\"b\",", ""), // copied, but to no target
                good.replace("\"status\":\"copied\"", "\"status\":\"skipped\""), // skipped without a reason
                "[" + good + "]",
                "not json");
        for (String b : bad) {
            assertFalse(b.equals(good), "each case must change the record");
            assertThrows(BadRecordException.class, () -> Json.decodeAudit(b(b)), b);
            assertThrows(BadRecordException.class, () -> Json.decodeCounts(b(b)), b);
        }
    }

    @Test
    void auditRecordCarriesAReadableTime() throws Exception {
        AuditRecord a = new AuditRecord(skipped(RedisKey.of("k")), Verdict.NOT_APPLICABLE, null, null, 0, null);
        JsonNode n = MAPPER.readTree(Json.encode(a));
        assertEquals("1970-01-01T00:00:00Z", n.get("time").asText());
        assertEquals("audit", n.get("record").asText());
        assertEquals("not_applicable", n.get("verdict").asText());
    }

    @Test
    void scanProgressRoundTrips() throws Exception {
        ScanProgress p = new ScanProgress("run-1", "scanner-a", "ws-2", Map.of("node-1", "1234", "node-2", "0"),
                500, false, Map.of(0, 10L, 5, 99L), 1_700_000_000_000L, Map.of(0, 3L, 5, 0L));
        assertEquals(p, Json.decodeProgress(Json.encode(p)));
    }

    @Test
    void aRunEndRoundTripsAndSaysWhenInWords() throws Exception {
        io.keyferry.core.model.RunEnd end = new io.keyferry.core.model.RunEnd("run-1", 1_700_000_000_123L);
        assertEquals(end, Json.decodeRunEnd(Json.encode(end)));
        assertEquals("2023-11-14T22:13:20.123Z", MAPPER.readTree(Json.encode(end)).get("time").asText());
        assertThrows(BadRecordException.class, () -> Json.decodeRunEnd(
                "{\"v\":1,\"record\":\"run_end\",\"run\":\"r\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void finishedScanProgressRoundTrips() throws Exception {
        ScanProgress p = new ScanProgress("run-1", "s", null, Map.of(), 0, true, Map.of(), 3);
        ScanProgress back = Json.decodeProgress(Json.encode(p));
        assertEquals(p, back);
        assertTrue(back.done());
    }

    @Test
    void aScanRecordMissingItsStateIsABadRecordNotAScannerThatNeverEnds() {
        String head = "{\"v\":1,\"record\":\"scan\",\"run\":\"r\",\"scanner\":\"ghost\"";
        assertThrows(BadRecordException.class, () -> Json.decodeProgress((head + "}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeProgress((head
                + ",\"done\":\"yes\",\"published\":1,\"cursors\":{},\"last_offsets\":{}}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeProgress((head
                + ",\"done\":false,\"published\":1,\"cursors\":[],\"last_offsets\":{}}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeProgress((head
                + ",\"done\":false,\"published\":1,\"cursors\":{},\"last_offsets\":{\"zero\":1}}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aResultWithAnEmptyKeyOrACopyWithoutATargetKeyIsABadRecord() {
        String head = "{\"v\":1,\"record\":\"result\",\"run\":\"r\",\"mode\":\"execute\",";
        assertThrows(BadRecordException.class, () -> Json.decodeResult((head
                + "\"key_b64\":\"\",\"key\":\"\",\"target_key\":\"t\",\"status\":\"copied\"}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeResult((head
                + "\"key\":\"k\",\"status\":\"copied\"}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(BadRecordException.class, () -> Json.decodeAudit(("{\"v\":1,\"record\":\"audit\",\"run\":\"r\","
                + "\"mode\":\"execute\",\"key\":\"k\",\"status\":\"already_match\",\"verdict\":\"match\"}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void emptyBytesAreABadRecord() {
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(new byte[0]));
        assertThrows(BadRecordException.class, () -> Json.decodeResult(new byte[0]));
        assertThrows(BadRecordException.class, () -> Json.decodeAudit(new byte[0]));
        assertThrows(BadRecordException.class, () -> Json.decodeProgress(new byte[0]));
    }

    @Test
    void nullIsABadRecord() {
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(null));
    }

    @Test
    void notJsonIsABadRecord() {
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b("job:42")));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b("{\"v\":1,")));
    }

    @Test
    void aJsonArrayIsABadRecord() {
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b("[{\"v\":1,\"record\":\"keyref\"}]")));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b("\"keyref\"")));
    }

    @Test
    void anotherSchemaVersionIsABadRecord() throws Exception {
        String json = Json.string(Json.encode(new KeyRef("run-1", RedisKey.of("k"), null, "s", 1)));
        String v2 = json.replace("\"v\":1", "\"v\":2");
        assertFalse(json.equals(v2), "the test must change the version");
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b(v2)));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(b(json.replace("\"v\":1,", ""))));
    }

    @Test
    void aResultIsNotAKeyRef() {
        byte[] result = Json.encode(copied(RedisKey.of("job:1"), RedisKey.of("step:1")));
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(result));
        assertThrows(BadRecordException.class, () -> Json.decodeAudit(result));
        assertThrows(BadRecordException.class, () -> Json.decodeProgress(result));
    }

    @Test
    void aKeyRefIsNotAResult() {
        byte[] ref = Json.encode(new KeyRef("run-1", RedisKey.of("k"), null, "s", 1));
        assertThrows(BadRecordException.class, () -> Json.decodeResult(ref));
    }

    @Test
    void aMissingKeyIsABadRecord() {
        BadRecordException e = assertThrows(BadRecordException.class,
                () -> Json.decodeKeyRef(b("{\"v\":1,\"record\":\"keyref\",\"run\":\"r\",\"scanner\":\"s\",\"seq\":1}")));
        assertTrue(e.getMessage().contains("key"), e.getMessage());
    }

    @Test
    void aMissingRunIsABadRecord() {
        assertThrows(BadRecordException.class,
                () -> Json.decodeKeyRef(b("{\"v\":1,\"record\":\"keyref\",\"key\":\"k\",\"scanner\":\"s\",\"seq\":1}")));
    }

    @Test
    void badBase64KeyIsABadRecord() {
        assertThrows(BadRecordException.class, () -> Json.decodeKeyRef(
                b("{\"v\":1,\"record\":\"keyref\",\"run\":\"r\",\"key_b64\":\"!!not base64!!\",\"scanner\":\"s\"}")));
    }

    @Test
    void unknownStatusIsABadRecord() throws Exception {
        String json = Json.string(Json.encode(copied(RedisKey.of("a"), RedisKey.of("b"))));
        String bad = json.replace("\"status\":\"copied\"", "\"status\":\"teleported\"");
        assertFalse(json.equals(bad), "the test must change the status");
        assertThrows(BadRecordException.class, () -> Json.decodeResult(b(bad)));
    }

    @Test
    void runOfReadsTheRunOfAnyRecord() {
        assertEquals("run-1", Json.runOf(Json.encode(new KeyRef("run-1", RedisKey.of("k"), null, "s", 1))));
        assertEquals("run-1", Json.runOf(Json.encode(copied(RedisKey.of("a"), RedisKey.of("b")))));
    }

    @Test
    void runOfJunkIsNull() {
        assertNull(Json.runOf(new byte[0]));
        assertNull(Json.runOf(b("not json")));
        assertNull(Json.runOf(b("[1,2]")));
        assertNull(Json.runOf(b("{\"run\":\"r\"}")));
        assertNull(Json.runOf(b("{\"v\":2,\"run\":\"r\"}")));
        assertNull(Json.runOf(new byte[] {(byte) 0xff, (byte) 0xfe}));
    }

    @Test
    void aRunStartCarriesWhereTheRunsResultsVerdictsAndBackupsBegin() throws Exception {
        var start = new io.keyferry.core.model.RunStart("run-1", Mode.EXECUTE, "ops", io.keyferry.core.model.ConflictPolicy.SKIP,
                5, Map.of(0, 10L, 1, 20L), Map.of(0, 3L)).from(Map.of(0, 10L, 1, 20L), Map.of(0, 3L), Map.of(0, 4L, 1, 9L));
        assertEquals(Map.of(0, 4L, 1, 9L), Json.decodeRunStart(Json.encode(start)).backupFrom());
        assertEquals(start, Json.decodeRunStart(Json.encode(start)));
        assertEquals(start.scoping(false), Json.decodeRunStart(Json.encode(start.scoping(false))));
        assertEquals(Boolean.TRUE, Json.decodeRunStart(Json.encode(start.scoping(true))).scopesWorkspaces());
    }

    @Test
    void aRunStartRecordedBeforeOffsetsExistedIsReadFromTheStartOfTheTopics() throws Exception {
        var start = Json.decodeRunStart(b("{\"v\":1,\"record\":\"run\",\"run\":\"r\",\"mode\":\"execute\",\"at_ms\":1}"));
        assertEquals(Map.of(), start.resultsFrom());
        assertEquals(Map.of(), start.auditFrom());
        assertEquals(Map.of(), start.backupFrom());
    }

    @Test
    void twoRecordsOfOneRunStartGiveTheEarlierOffsetOfEachPartitionAndNoneWhereEitherLacksOne() {
        var policy = io.keyferry.core.model.ConflictPolicy.SKIP;
        var a = new io.keyferry.core.model.RunStart("r", Mode.EXECUTE, "ops", policy, 5, Map.of(0, 10L, 1, 20L), Map.of(0, 7L))
                .from(Map.of(0, 10L, 1, 20L), Map.of(0, 7L), Map.of(0, 2L, 1, 8L));
        var b = new io.keyferry.core.model.RunStart("r", Mode.EXECUTE, "ops", policy, 6, Map.of(0, 12L, 1, 15L), Map.of())
                .from(Map.of(0, 12L, 1, 15L), Map.of(), Map.of(0, 3L, 1, 6L));
        var both = a.earliest(b);
        assertEquals(Map.of(0, 10L, 1, 15L), both.resultsFrom());
        assertEquals(Map.of(), both.auditFrom());
        assertEquals(Map.of(0, 2L, 1, 6L), both.backupFrom());
        assertEquals(both, b.earliest(a));
    }
}
