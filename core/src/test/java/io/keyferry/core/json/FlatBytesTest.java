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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shortcut that reads results and verdicts without Jackson: it takes every record keyferry
 * writes with ASCII texts, and wherever it takes a record it reads what Jackson reads.
 */
class FlatBytesTest {
    private static final Side SRC = new Side(KeyType.STRING, 1485, "4e1195df020de59e0d65a33a4279f1183e7ae4e5d980e309f8b55adff2e61c3e", 3_600_000,
            "4e1195df020de59e0d65a33a4279f118");
    private static final Side DST = new Side(KeyType.STRING, 1485, "4e1195df020de59e0d65a33a4279f1183e7ae4e5d980e309f8b55adff2e61c3e", 3_599_000);

    private static KeyResult result(Status status, SkipReason reason, String message, Side target) {
        return new KeyResult("run-1", "ops@host", Mode.EXECUTE, "acme", RedisKey.of("ai:jobs:42"),
                status == Status.SKIPPED ? null : RedisKey.of("ai:job:acme:42"), SRC, target, 1_795_543_227_130L, status, reason,
                message, 1_795_543_227_140L, "3:17");
    }

    private static List<byte[]> written() {
        List<byte[]> out = new ArrayList<>();
        KeyResult copied = result(Status.COPIED, null, null, DST);
        out.add(Json.encode(copied));
        out.add(Json.encode(result(Status.SKIPPED, SkipReason.NO_RULE, null, Side.ABSENT)));
        out.add(Json.encode(result(Status.ERROR, null, "the target refused the write: OOM", Side.ABSENT)));
        out.add(Json.encode(new AuditRecord(copied, Verdict.MATCH, null, null, 1_795_543_228_000L, "keyferry.results/3@12")));
        out.add(Json.encode(new AuditRecord(copied, Verdict.MISMATCH, MismatchKind.TTL, "ttl off by 2000 ms", 1_795_543_228_000L,
                "keyferry.results/0@0")));
        out.add(Json.encode(new AuditRecord(result(Status.SKIPPED, SkipReason.NO_RULE, null, Side.ABSENT), Verdict.NOT_APPLICABLE,
                null, null, -5, null)));
        return out;
    }

    @Test
    void theShortcutTakesEveryRecordKeyferryWritesWithAsciiTexts() {
        for (byte[] record : written()) {
            assertNotNull(Flat.fast(record), new String(record, StandardCharsets.UTF_8));
        }
        byte[] verdict = written().get(3);
        assertNotNull(Json.Counted.fast(verdict));
    }

    @Test
    void whatTheShortcutReadsJacksonReadsTheSameAndWhatItCannotReadIsLeftToJackson() throws Exception {
        List<String> variants = new ArrayList<>();
        for (byte[] record : written()) {
            String json = new String(record, StandardCharsets.UTF_8);
            variants.add(json);
            variants.add(" \t\r\n" + json.replace(",", " ,\n ").replace(":", " : ") + "\n");
            variants.add(json.replace("\"run-1\"", "\"r\\u0075n-1\""));            // an escape
            variants.add(json.replace("\"acme\"", "\"acmé\""));                      // not ASCII
            variants.add(json.replace("\"v\":1", "\"v\":1.0"));                      // a fraction
            variants.add(json.replace("\"v\":1", "\"v\":1e0"));                      // an exponent
            variants.add(json.replace("\"v\":1", "\"v\":\"1\""));                    // a number as text
            variants.add(json.replace("\"v\":1", "\"v\":01"));                       // a leading zero
            variants.add(json.replace("\"v\":1", "\"v\":-0"));
            variants.add(json.replace("\"v\":1", "\"v\":true"));
            variants.add(json.replace("\"v\":1", "\"v\":1x"));
            variants.add(json.replace(":1795543227140", ":17955432271401234567"));  // more digits than a long holds
            variants.add(json.replace(":1795543227140", ":-1795543227140"));
            variants.add(json.replace("\"acme\"", "null"));
            variants.add(json.replace("\"acme\"", "nul"));
            variants.add(json.replace("\"acme\"", "false"));
            variants.add(json.replace("\"acme\"", "falsey"));
            variants.add(json.replace("\"acme\"", "{\"a\":[1,2]}"));               // a container
            variants.add(json.replace("\"status\"", "\"status\":\"copied\",\"status\""));  // a field twice
            variants.add(json.replace("\"verdict\":\"match\"", "\"verdict\":7"));
            variants.add(json.replace("\"record\"", "\"re\\u0063ord\""));           // an escaped name
            variants.add(json.replace("\"key_offset\"", "\"x_unknown\""));
            variants.add(json + "trailing");
            variants.add("\uFEFF" + json);
            variants.add(json.replace("{", "[").replace("}", "]"));
            variants.add(json.replace(",", ",,"));
            variants.add(json.replace(":", "::"));
            variants.add(json.replace("\"", "'"));
            for (int cut = 0; cut < json.length(); cut += 7) {
                variants.add(json.substring(0, cut));
            }
        }
        variants.add("{}");
        variants.add("{ }");
        variants.add("");
        variants.add("null");
        int taken = 0;
        for (String v : variants) {
            byte[] data = v.getBytes(StandardCharsets.UTF_8);
            Map<String, Object> fast = Flat.fast(data);
            if (fast != null) {
                taken++;
                assertEquals(normal(Flat.jackson(Json.MAPPER.getFactory(), data)), normal(fast), v);
            }
            Json.Counted counted = Json.Counted.fast(data);
            if (counted != null) {
                assertEquals(outcome(Json.Counted.jackson(data)), outcome(counted), v);
            }
        }
        assertTrue(taken > 6 * 10, "the shortcut took only " + taken + " of " + variants.size());
    }

    @Test
    void aRecordTheShortcutGivesUpOnIsStillDecodedByJackson() throws Exception {
        KeyResult copied = result(Status.COPIED, null, null, DST);
        String json = new String(Json.encode(copied), StandardCharsets.UTF_8).replace("\"acme\"", "\"acm\\u00e9\"");
        byte[] data = json.getBytes(StandardCharsets.UTF_8);
        assertNull(Flat.fast(data));
        assertEquals("acmé", Json.decodeResult(data).workspace());
    }

    @Test
    void aTextIsWrittenAsJacksonReadsItBackWhereverItsOneSpecialCharacterStands() throws Exception {
        String[] specials = {"\"", "\\", "\n", "\u0001", "\u001f", "?", "\u007f", "é", "ключ", "\ud800", "\udc00", "😀"};
        for (int len = 0; len <= 20; len++) {
            for (String special : specials) {
                for (int at = 0; at <= len; at++) {
                    String text = "a".repeat(at) + (at < len ? special : "") + "b".repeat(Math.max(0, len - at - 1));
                    KeyResult r = new KeyResult("run", text, Mode.EXECUTE, null, RedisKey.of("k"), RedisKey.of("k"), SRC, DST, 1,
                            Status.COPIED, null, null, 2, "o");
                    byte[] ours = Json.encode(r);
                    assertEquals(text, Json.MAPPER.readTree(ours).get("actor").asText(), text);
                    assertEquals(r, Json.decodeResult(ours), text);
                }
            }
        }
    }

    @Test
    void aStringValueIsReadAsJacksonReadsItWhereverAQuoteEscapeOrOtherByteStandsInIt() throws Exception {
        String[] specials = {"\\\"", "\\\\", "\\n", "\\u0041", "é", "\t", "\u0001"};
        for (int len = 1; len <= 30; len++) {
            for (String special : specials) {
                for (int at = 0; at < len; at++) {
                    String value = "x".repeat(at) + special + "y".repeat(len - at - 1);
                    byte[] data = ("{\"v\":1,\"record\":\"result\",\"actor\":\"" + value + "\",\"run\":\"r\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    Map<String, Object> fast = Flat.fast(data);
                    Map<String, Object> jackson;
                    try {
                        jackson = Flat.jackson(Json.MAPPER.getFactory(), data);
                    } catch (BadRecordException e) {
                        assertNull(fast, value);
                        continue;
                    }
                    if (fast != null) {
                        assertEquals(normal(jackson), normal(fast), value);
                    }
                }
            }
        }
        byte[] plain = ("{\"v\":1,\"record\":\"result\",\"actor\":\"" + "z".repeat(37) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertEquals("z".repeat(37), Flat.fast(plain).get("actor"));
    }

    /** Jackson reads small integers as Integer and the shortcut as Long: the same value. */
    private static Map<String, Object> normal(Map<String, Object> m) {
        Map<String, Object> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Integer i ? Long.valueOf(i) : v));
        return out;
    }

    private static String outcome(Json.Counted c) {
        try {
            return c.counts().toString();
        } catch (BadRecordException e) {
            return "refused: " + e.getMessage();
        }
    }
}
