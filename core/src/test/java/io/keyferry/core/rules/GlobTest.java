package io.keyferry.core.rules;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlobTest {
    private static boolean m(String pattern, String key) {
        return Glob.of(pattern).matches(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void starQuestionMarkSetsRangesNegationAndEscapesMatchAsRedisMatchesThem() {
        assertTrue(m("job:*", "job:"));
        assertTrue(m("job:*", "job:1:2"));
        assertFalse(m("job:*", "jobs:1"));
        assertTrue(m("job:1?", "job:12"));
        assertFalse(m("job:1?", "job:1"));
        assertFalse(m("job:1?", "job:123"));
        assertFalse(m("job:1?", "job:abc"));
        assertTrue(m("h[ae]llo", "hallo"));
        assertFalse(m("h[ae]llo", "hillo"));
        assertTrue(m("h[^e]llo", "hallo"));
        assertFalse(m("h[^e]llo", "hello"));
        assertTrue(m("k[0-9]", "k7"));
        assertTrue(m("k[9-0]", "k7"));
        assertFalse(m("k[0-9]", "kx"));
        assertTrue(m("a\\*b", "a*b"));
        assertFalse(m("a\\*b", "axb"));
        assertTrue(m("*", ""));
        assertTrue(m("**x", "abx"));
        assertTrue(m("*:*:*", "a:b:c"));
        assertFalse(m("*:*:*", "a:b"));
    }

    @Test
    void aBinaryKeyMatchesByteForByte() {
        assertTrue(Glob.of("bin:?").matches(new byte[] {'b', 'i', 'n', ':', (byte) 0xff}));
        assertTrue(Glob.of("bin:*").matches(new byte[] {'b', 'i', 'n', ':', 0, (byte) 0x80}));
    }
}
