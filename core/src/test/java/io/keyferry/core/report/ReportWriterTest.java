package io.keyferry.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.keyferry.core.report.Fixtures.SHA_A;
import static io.keyferry.core.report.Fixtures.SHA_B;
import static io.keyferry.core.report.Fixtures.audit;
import static io.keyferry.core.report.Fixtures.copied;
import static io.keyferry.core.report.Fixtures.match;
import static io.keyferry.core.report.Fixtures.notApplicable;
import static io.keyferry.core.report.Fixtures.result;
import static io.keyferry.core.report.Fixtures.side;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private static String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    /** A small RFC 4180 reader: records of fields, quoted fields may hold commas, quotes and line breaks. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                if (field.length() != 0) {
                    throw new IllegalArgumentException("quote inside an unquoted field at " + i);
                }
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        if (any) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    @Test
    void csvStartsWithTheContractHeader() throws Exception {
        Path file = dir.resolve("report.csv");
        ReportWriter.write(file, List.of());
        assertEquals("run,key,target_key,type,source_size,source_sha256,target_size,target_sha256,status,reason,verdict\n",
                read(file));
    }

    @Test
    void csvHasOneLinePerRecordWithEveryColumn() throws Exception {
        Path file = dir.resolve("report.csv");
        KeyResult r = result("run-1", RedisKey.of("job:1"), RedisKey.of("step:1"), side(KeyType.HASH, 10, SHA_A),
                side(KeyType.HASH, 11, SHA_B), Status.COPIED, null, 100);
        ReportWriter.write(file, List.of(audit(r, Verdict.MISMATCH, MismatchKind.VALUE, 101)));
        List<String> lines = read(file).lines().toList();
        assertEquals(2, lines.size());
        assertEquals("run-1,job:1,step:1,hash,10," + SHA_A + ",11," + SHA_B + ",copied,,mismatch", lines.get(1));
    }

    @Test
    void skippedKeyShowsItsReasonAndEmptyCellsForAbsentSides() throws Exception {
        Path file = dir.resolve("report.csv");
        KeyResult r = result("run-1", RedisKey.of("session:9"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.NO_RULE, 100);
        ReportWriter.write(file, List.of(notApplicable(r)));
        List<String> lines = read(file).lines().toList();
        assertEquals("run-1,session:9,,,,,,,skipped,no_rule,not_applicable", lines.get(1));
    }

    @Test
    void wouldCopyShowsTheSourceAndAnEmptyTarget() throws Exception {
        Path file = dir.resolve("report.csv");
        KeyResult r = result("run-1", RedisKey.of("job:2"), RedisKey.of("step:2"), side(KeyType.SET, 3, SHA_A),
                Side.ABSENT, Status.WOULD_COPY, null, 100);
        ReportWriter.write(file, List.of(notApplicable(r)));
        List<List<String>> rows = parseCsv(read(file));
        assertEquals(List.of("run-1", "job:2", "step:2", "set", "3", SHA_A, "", "", "would_copy", "", "not_applicable"),
                rows.get(1));
    }

    @Test
    void keyWithCommaQuoteAndNewlineIsQuotedPerRfc4180() throws Exception {
        Path file = dir.resolve("report.csv");
        String nasty = "a,b\"c\nd";
        KeyResult r = result("run-1", RedisKey.of(nasty), RedisKey.of("t:" + nasty), side(KeyType.STRING, 1, SHA_A),
                side(KeyType.STRING, 1, SHA_A), Status.COPIED, null, 100);
        ReportWriter.write(file, List.of(match(r)));
        String text = read(file);
        assertTrue(text.contains("run-1,\"a,b\"\"c\nd\",\"t:a,b\"\"c\nd\",string,"), text);
        List<List<String>> rows = parseCsv(text);
        assertEquals(2, rows.size());
        assertEquals(11, rows.get(1).size());
        assertEquals(nasty, rows.get(1).get(1));
        assertEquals("t:" + nasty, rows.get(1).get(2));
        assertEquals("match", rows.get(1).get(10));
    }

    @Test
    void nonUtf8KeyAppearsEscaped() throws Exception {
        Path file = dir.resolve("report.csv");
        RedisKey key = RedisKey.of(new byte[] {'k', ':', (byte) 0xff, 0x01, '\\'});
        KeyResult r = result("run-1", key, key, side(KeyType.STRING, 1, SHA_A), Side.ABSENT, Status.WOULD_COPY, null, 100);
        ReportWriter.write(file, List.of(notApplicable(r)));
        List<List<String>> rows = parseCsv(read(file));
        assertEquals("k:\\xff\\x01\\\\", rows.get(1).get(1));
        assertEquals("k:\\xff\\x01\\\\", rows.get(1).get(2));
    }

    @Test
    void csvIsUtf8() throws Exception {
        Path file = dir.resolve("report.csv");
        ReportWriter.write(file, List.of(match(copied("run-1", "ключ", 5))));
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(new String(bytes, StandardCharsets.UTF_8).contains(",ключ,new:ключ,"));
    }

    @Test
    void jsonlHasOneObjectPerLineWithTheSameFields() throws Exception {
        Path file = dir.resolve("report.jsonl");
        KeyResult a = result("run-1", RedisKey.of("job:1"), RedisKey.of("step:1"), side(KeyType.HASH, 10, SHA_A),
                side(KeyType.HASH, 10, SHA_A), Status.COPIED, null, 100);
        KeyResult b = result("run-1", RedisKey.of("x\ny"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.NO_RULE, 100);
        ReportWriter.write(file, List.of(match(a), notApplicable(b)));
        List<String> lines = read(file).lines().toList();
        assertEquals(2, lines.size());

        JsonNode first = MAPPER.readTree(lines.get(0));
        for (String column : ReportWriter.HEADER.split(",")) {
            assertTrue(first.has(column), "missing " + column + " in " + lines.get(0));
        }
        assertEquals("run-1", first.get("run").asText());
        assertEquals("job:1", first.get("key").asText());
        assertEquals("step:1", first.get("target_key").asText());
        assertEquals("hash", first.get("type").asText());
        assertEquals(10, first.get("source_size").asLong());
        assertEquals(SHA_A, first.get("target_sha256").asText());
        assertEquals("copied", first.get("status").asText());
        assertTrue(first.get("reason").isNull());
        assertEquals("match", first.get("verdict").asText());

        JsonNode second = MAPPER.readTree(lines.get(1));
        assertEquals("x\ny", second.get("key").asText());
        assertTrue(second.get("target_key").isNull());
        assertTrue(second.get("source_size").isNull());
        assertTrue(second.get("target_sha256").isNull());
        assertEquals("skipped", second.get("status").asText());
        assertEquals("no_rule", second.get("reason").asText());
        assertEquals("not_applicable", second.get("verdict").asText());
    }

    @Test
    void jsonlCarriesTheExactBytesOfANonUtf8Key() throws Exception {
        Path file = dir.resolve("r.jsonl");
        byte[] raw = {(byte) 0xff, (byte) 0xfe, 0x00, 0x0a};
        KeyResult r = result("run-1", RedisKey.of(raw), null, side(KeyType.STRING, 1, SHA_A), Side.ABSENT,
                Status.SOURCE_MISSING, null, 100);
        ReportWriter.write(file, List.of(notApplicable(r)));
        JsonNode n = MAPPER.readTree(read(file).lines().findFirst().orElseThrow());
        assertEquals("\\xff\\xfe\\x00\\x0a", n.get("key").asText());
        assertArrayEquals(raw, java.util.Base64.getDecoder().decode(n.get("key_b64").asText()));
    }

    @Test
    void jsonlMismatchCarriesItsKind() throws Exception {
        Path file = dir.resolve("r.jsonl");
        ReportWriter.write(file, List.of(audit(copied("run-1", "k", 10), Verdict.MISMATCH, MismatchKind.TTL, 11)));
        JsonNode n = MAPPER.readTree(read(file).strip());
        assertEquals("mismatch", n.get("verdict").asText());
        assertEquals("ttl", n.get("kind").asText());
    }

    @Test
    void writingReplacesAnOldReportAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("sub/report.csv");
        ReportWriter.write(file, List.of(match(copied("run-1", "a", 1)), match(copied("run-1", "b", 1))));
        ReportWriter.write(file, List.of(match(copied("run-1", "c", 1))));
        List<String> lines = read(file).lines().toList();
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("run-1,c,"));
        try (var files = Files.list(dir.resolve("sub"))) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void reportOfATallyIsSortedByKey() throws Exception {
        RunTally tally = new RunTally("run-1");
        tally.add(match(copied("run-1", "b", 1)));
        tally.add(match(copied("run-1", "a", 1)));
        Path file = dir.resolve("t.csv");
        ReportWriter.write(file, tally.records());
        List<List<String>> rows = parseCsv(read(file));
        assertEquals("a", rows.get(1).get(1));
        assertEquals("b", rows.get(2).get(1));
        assertFalse(rows.size() > 3);
    }

    @Test
    void theTestCsvReaderHandlesQuotedFields() {
        assertEquals(List.of(List.of("a", "b,c", "d\"e", "f\ng", "")), parseCsv("a,\"b,c\",\"d\"\"e\",\"f\ng\",\n"));
    }

    @Test
    void auditRecordsOfSeveralKindsAllFitTheHeader() throws Exception {
        Path file = dir.resolve("all.csv");
        List<AuditRecord> records = new ArrayList<>();
        int i = 0;
        for (Status s : Status.values()) {
            SkipReason reason = s == Status.SKIPPED ? SkipReason.TOO_LARGE : null;
            records.add(notApplicable(result("run-1", RedisKey.of("k" + i++), null, side(KeyType.LIST, 2, SHA_A),
                    Side.ABSENT, s, reason, 5)));
        }
        ReportWriter.write(file, records);
        List<List<String>> rows = parseCsv(read(file));
        assertEquals(records.size() + 1, rows.size());
        for (List<String> row : rows) {
            assertEquals(11, row.size(), row.toString());
        }
    }

    @Test
    void theReasonColumnSaysWhyAnErrorFailedAndWhichRequirementAnInvalidKeyMissed() {
        Side src = side(KeyType.STRING, 3, SHA_A);
        KeyResult error = new KeyResult("r", "alice", io.keyferry.core.model.Mode.EXECUTE, null, RedisKey.of("k1"),
                RedisKey.of("k1"), src, Side.ABSENT, 1, Status.ERROR, null, "RedisCommandExecutionException: NOPERM no write", 2, null);
        KeyResult invalid = new KeyResult("r", "alice", io.keyferry.core.model.Mode.EXECUTE, null, RedisKey.of("k2"),
                null, src, Side.ABSENT, 1, Status.SKIPPED, SkipReason.INVALID, "{id} does not match [0-9]+", 2, null);
        KeyResult noRule = new KeyResult("r", "alice", io.keyferry.core.model.Mode.EXECUTE, null, RedisKey.of("k3"),
                null, Side.ABSENT, Side.ABSENT, 1, Status.SKIPPED, SkipReason.NO_RULE, null, 2, null);
        KeyResult longError = new KeyResult("r", "alice", io.keyferry.core.model.Mode.EXECUTE, null, RedisKey.of("k4"),
                RedisKey.of("k4"), src, Side.ABSENT, 1, Status.ERROR, null, "x".repeat(1000), 2, null);

        assertEquals("RedisCommandExecutionException: NOPERM no write", ReportWriter.reason(error));
        assertEquals("invalid: {id} does not match [0-9]+", ReportWriter.reason(invalid));
        assertEquals("no_rule", ReportWriter.reason(noRule));
        assertEquals(ReportWriter.MAX_CAUSE, ReportWriter.reason(longError).length());
        assertTrue(ReportWriter.csvLine(notApplicable(error)).endsWith(",error,RedisCommandExecutionException: NOPERM no write,not_applicable"),
                ReportWriter.csvLine(notApplicable(error)));
        assertTrue(ReportWriter.jsonLine(notApplicable(invalid)).contains("\"reason\":\"invalid: {id} does not match [0-9]+\""));
    }
}
