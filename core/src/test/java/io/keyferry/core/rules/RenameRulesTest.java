package io.keyferry.core.rules;

import io.keyferry.core.model.RedisKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenameRulesTest {

    private static RenameRules rules(String... specs) {
        return RenameRules.parse(List.of(specs), Set.of());
    }

    /** The target key for {@code key}, or empty when no rule matches. */
    private static Optional<String> rename(RenameRules rules, String key) {
        RedisKey source = RedisKey.of(key);
        return rules.match(source).map(m -> new String(m.target(source, Map.of()).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void plainCaptureMapsOneSegment() {
        assertEquals(Optional.of("step:42"), rename(rules("job:{id} -> step:{id}"), "job:42"));
    }

    @Test
    void plainCaptureDoesNotCrossAColon() {
        RenameRules r = rules("job:{id} -> step:{id}");
        assertEquals(Optional.empty(), rename(r, "job:a:b"));
    }

    @Test
    void plainCaptureNeedsAtLeastOneCharacter() {
        assertEquals(Optional.empty(), rename(rules("job:{id} -> step:{id}"), "job:"));
    }

    @Test
    void ruleMustMatchTheWholeKey() {
        RenameRules r = rules("job:{id} -> step:{id}");
        assertEquals(Optional.empty(), rename(r, "xjob:1"));
        assertEquals(Optional.empty(), rename(r, "jobs:1"));
    }

    @Test
    void starCaptureMatchesAnythingIncludingColons() {
        RenameRules r = rules("{k*} -> cp:dev:{k}");
        assertEquals(Optional.of("cp:dev:studentData:v1"), rename(r, "studentData:v1"));
        assertEquals(Optional.of("cp:dev:a:b:c:"), rename(r, "a:b:c:"));
    }

    @Test
    void starCaptureInTheMiddleSpansSegments() {
        assertEquals(Optional.of("new:x:y:z:end"), rename(rules("old:{rest*}:end -> new:{rest}:end"), "old:x:y:z:end"));
    }

    @Test
    void firstMatchingRuleWins() {
        RenameRules r = rules("job:{id} -> first:{id}", "job:{id} -> second:{id}", "{k*} -> any:{k}");
        assertEquals(Optional.of("first:7"), rename(r, "job:7"));
        assertEquals(Optional.of("any:job:7:x"), rename(r, "job:7:x"));
    }

    @Test
    void matchReportsTheRuleThatWon() {
        RenameRules r = rules("a:{x} -> b:{x}", "c:{x} -> d:{x}");
        RenameRules.Match m = r.match(RedisKey.of("c:1")).orElseThrow();
        assertEquals("c:{x} -> d:{x}", m.rule().spec());
        assertArrayEquals("1".getBytes(StandardCharsets.UTF_8), m.captures().get("x"));
    }

    @Test
    void noRulesKeepEveryKeyAsItIs() {
        RenameRules identity = RenameRules.identity();
        assertTrue(identity.isIdentity());
        RedisKey key = RedisKey.of(new byte[] {(byte) 0xff, 'a', ':', 0});
        RenameRules.Match m = identity.match(key).orElseThrow();
        assertNull(m.rule());
        assertEquals(key, m.target(key, Map.of()));
        assertTrue(RenameRules.parse(List.of(), Set.of()).isIdentity());
    }

    @Test
    void keyMatchingNoRuleGivesEmpty() {
        RenameRules r = rules("job:{id} -> step:{id}");
        assertFalse(r.isIdentity());
        assertTrue(r.match(RedisKey.of("session:abc")).isEmpty());
    }

    @Test
    void contractExampleJobsSetsBecomeStepsSets() {
        RenameRules r = rules("jobs:{set} -> steps:{set}");
        assertEquals(Optional.of("steps:pending"), rename(r, "jobs:pending"));
        assertEquals(Optional.empty(), rename(r, "jobs:a:b"));
    }

    @Test
    void toWithAnUnderivableNameIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rules("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"));
        assertTrue(e.getMessage().contains("workspace_id"), e.getMessage());
    }

    @Test
    void toWithADerivableNameRendersTheDerivedValue() {
        RenameRules r = RenameRules.parse(List.of("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"), Set.of("workspace_id"));
        RedisKey source = RedisKey.of("ai:jobs:j-9");
        RenameRules.Match m = r.match(source).orElseThrow();
        assertEquals(Set.of("workspace_id", "job_id"), m.rule().targetNames());
        RedisKey target = m.target(source, Map.of("workspace_id", "ws-3".getBytes(StandardCharsets.UTF_8)));
        assertEquals(RedisKey.of("ai:job:ws-3:j-9"), target);
    }

    @Test
    void renderingWithoutADerivedValueFails() {
        RenameRules r = RenameRules.parse(List.of("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"), Set.of("workspace_id"));
        RedisKey source = RedisKey.of("ai:jobs:j-9");
        RenameRules.Match m = r.match(source).orElseThrow();
        assertThrows(IllegalStateException.class, () -> m.target(source, Map.of()));
    }

    @Test
    void specWithoutAnArrowIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules("job:{id} step:{id}"));
    }

    @Test
    void specWithTwoArrowsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules("a:{x} -> b:{x} -> c:{x}"));
    }

    @Test
    void specWithAnEmptySideIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules(" -> b"));
        assertThrows(IllegalArgumentException.class, () -> rules("a ->  "));
    }

    @Test
    void capturingTheSameNameTwiceIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules("{a}:{a} -> x:{a}"));
        assertTrue(e.getMessage().contains("{a}"), e.getMessage());
    }

    @Test
    void toUsingAnUnknownCaptureIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules("a:{x} -> b:{y}"));
        assertTrue(e.getMessage().contains("{y}"), e.getMessage());
    }

    @Test
    void badCaptureNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules("a:{1x} -> b:{1x}"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:{} -> b"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:{x-y} -> b:{x-y}"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:{*} -> b"));
    }

    @Test
    void unbalancedBracesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules("a:{x -> b:{x}"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:x} -> b"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:{x} -> b:{x"));
        assertThrows(IllegalArgumentException.class, () -> rules("a:{x} -> b:x}"));
    }

    @Test
    void errorMessageQuotesTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules("nope"));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void regexMetacharactersInFromAreLiteral() {
        RenameRules r = rules("a.b:{x} -> c:{x}");
        assertEquals(Optional.empty(), rename(r, "aXb:1"));
        assertEquals(Optional.of("c:1"), rename(r, "a.b:1"));

        RenameRules r2 = rules("q+[z]*(\\E):{x} -> w:{x}");
        assertEquals(Optional.of("w:2"), rename(r2, "q+[z]*(\\E):2"));
        assertEquals(Optional.empty(), rename(r2, "qq[z](\\E):2"));
    }

    @Test
    void binaryKeysAreMatchedAndRewrittenByteExactly() {
        RenameRules r = rules("bin:{id} -> moved:{id}:{id}");
        byte[] id = {(byte) 0xff, 0x00, (byte) 0x80, '\n', (byte) 0xc3};
        byte[] key = concat("bin:".getBytes(StandardCharsets.US_ASCII), id);
        RedisKey source = RedisKey.of(key);
        RenameRules.Match m = r.match(source).orElseThrow();
        assertArrayEquals(id, m.captures().get("id"));
        byte[] expected = concat("moved:".getBytes(StandardCharsets.US_ASCII), id, new byte[] {':'}, id);
        assertArrayEquals(expected, m.target(source, Map.of()).bytes());
    }

    @Test
    void binaryColonStillEndsAPlainCapture() {
        RenameRules r = rules("bin:{id} -> moved:{id}");
        byte[] key = {'b', 'i', 'n', ':', (byte) 0xff, 0x00, ':', (byte) 0xfe};
        assertTrue(r.match(RedisKey.of(key)).isEmpty());
        RenameRules star = rules("bin:{rest*} -> moved:{rest}");
        RedisKey source = RedisKey.of(key);
        byte[] expected = {'m', 'o', 'v', 'e', 'd', ':', (byte) 0xff, 0x00, ':', (byte) 0xfe};
        assertArrayEquals(expected, star.match(source).orElseThrow().target(source, Map.of()).bytes());
    }

    @Test
    void utf8LiteralsInThePatternMatchUtf8Keys() {
        RenameRules r = rules("ü:{x} -> v:{x}");
        assertEquals(Optional.of("v:1"), rename(r, "ü:1"));
        assertEquals(Optional.empty(), rename(r, "u:1"));
        // the same code point in ISO-8859-1 (one byte 0xfc) is not the UTF-8 key
        assertTrue(r.match(RedisKey.of(new byte[] {(byte) 0xfc, ':', '1'})).isEmpty());
    }

    @Test
    void utf8LiteralsInTheTargetAreWrittenAsUtf8() {
        RenameRules r = rules("a:{x} -> ö:{x}:€");
        assertEquals(Optional.of("ö:é:€"), rename(r, "a:é"));
    }

    @Test
    void multibyteCharactersAreCapturedWhole() {
        RenameRules r = rules("k:{x} -> n:{x}");
        RedisKey source = RedisKey.of("k:日本");
        assertArrayEquals("日本".getBytes(StandardCharsets.UTF_8), r.match(source).orElseThrow().captures().get("x"));
    }

    @Test
    void rulesKeepTheirSpecAndCapturesInOrder() {
        RenameRule rule = RenameRule.parse("{a}:{b*} -> {b}:{a}", Set.of());
        assertEquals(List.of("a", "b"), rule.captures());
        assertEquals("{a}:{b*} -> {b}:{a}", rule.toString());
        assertEquals(Set.of("b", "a"), rule.targetNames());
    }

    @Test
    void parsedRulesListIsInTheGivenOrder() {
        RenameRules r = rules("a:{x} -> b:{x}", "c:{x} -> d:{x}");
        assertEquals(2, r.rules().size());
        assertEquals("a:{x} -> b:{x}", r.rules().get(0).spec());
        assertEquals("c:{x} -> d:{x}", r.rules().get(1).spec());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
