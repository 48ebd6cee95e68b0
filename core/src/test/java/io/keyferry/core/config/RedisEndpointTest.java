package io.keyferry.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisEndpointTest {

    private static RedisEndpoint parse(String url) {
        return RedisEndpoint.parse("--source", url, false);
    }

    private static ConfigException rejects(String option, String url, boolean cluster) {
        return assertThrows(ConfigException.class, () -> RedisEndpoint.parse(option, url, cluster));
    }

    @Test
    void plainRedisUrlParses() {
        RedisEndpoint e = parse("redis://cache.internal:6380");
        assertFalse(e.tls());
        assertEquals("cache.internal", e.host());
        assertEquals(6380, e.port());
        assertEquals(0, e.db());
        assertNull(e.user());
        assertFalse(e.hasPassword());
        assertFalse(e.cluster());
        assertEquals("--source", e.option());
    }

    @Test
    void redissMeansTls() {
        RedisEndpoint e = parse("rediss://secure.example.com:6390/1");
        assertTrue(e.tls());
        assertEquals("secure.example.com", e.host());
        assertEquals(6390, e.port());
        assertEquals(1, e.db());
    }

    @Test
    void userPasswordHostPortAndDbAreRead() {
        RedisEndpoint e = parse("redis://admin:s3cret@10.0.0.5:7000/2");
        assertEquals("admin", e.user());
        assertTrue(e.hasPassword());
        assertEquals("10.0.0.5", e.host());
        assertEquals(7000, e.port());
        assertEquals(2, e.db());
    }

    @Test
    void loneUserInfoIsAPassword() {
        RedisEndpoint e = parse("redis://secret@host");
        assertNull(e.user());
        assertTrue(e.hasPassword());
        assertEquals("host", e.host());
    }

    @Test
    void emptyUserWithPasswordIsAPassword() {
        RedisEndpoint e = parse("redis://:secret@host");
        assertNull(e.user());
        assertTrue(e.hasPassword());
    }

    @Test
    void defaultPortIs6379() {
        assertEquals(6379, parse("redis://localhost").port());
        assertEquals(6379, parse("rediss://localhost/3").port());
    }

    @Test
    void trailingSlashMeansDbZero() {
        assertEquals(0, parse("redis://localhost:6379/").db());
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertEquals("localhost", parse("  redis://localhost:1 ").host());
    }

    @Test
    void badSchemeIsRejectedNamingTheOption() {
        ConfigException e = rejects("--target", "ftp://x", false);
        assertTrue(e.getMessage().startsWith("--target: "), e.getMessage());
        assertTrue(rejects("--source", "http://localhost:6379", false).getMessage().startsWith("--source: "));
        assertTrue(rejects("--source", "localhost:6379", false).getMessage().startsWith("--source: "));
    }

    @Test
    void missingUrlIsRejectedNamingTheOption() {
        assertTrue(rejects("--source", null, false).getMessage().startsWith("--source: "));
        assertTrue(rejects("--target", "  ", false).getMessage().startsWith("--target: "));
    }

    @Test
    void urlWithoutHostIsRejected() {
        assertTrue(rejects("--source", "redis://", false).getMessage().startsWith("--source: "));
        assertTrue(rejects("--source", "redis:///2", false).getMessage().startsWith("--source: "));
    }

    @Test
    void syntacticallyBrokenUrlIsRejected() {
        assertTrue(rejects("--source", "redis://host:6379/ 2", false).getMessage().startsWith("--source: "));
    }

    @Test
    void dbPathMustBeANumber() {
        ConfigException e = rejects("--source", "redis://localhost/jobs", false);
        assertTrue(e.getMessage().startsWith("--source: "), e.getMessage());
        assertTrue(e.getMessage().contains("db"), e.getMessage());
        rejects("--source", "redis://localhost/1/2", false);
        rejects("--source", "redis://localhost/-1", false);
    }

    @Test
    void clusterAllowsOnlyDbZero() {
        ConfigException e = rejects("--target", "redis://localhost:7000/1", true);
        assertTrue(e.getMessage().startsWith("--target: "), e.getMessage());
        RedisEndpoint ok = RedisEndpoint.parse("--target", "redis://localhost:7000/0", true);
        assertTrue(ok.cluster());
        assertEquals(0, ok.db());
    }

    @Test
    void redactedFormsNeverShowThePassword() {
        RedisEndpoint e = parse("redis://admin:s3cret@host:7000/2");
        assertFalse(e.redacted().contains("s3cret"), e.redacted());
        assertFalse(e.toString().contains("s3cret"), e.toString());
        assertEquals("redis://admin:***@host:7000/2", e.redacted());
        assertTrue(e.toString().contains("host:7000"));
    }

    @Test
    void redactedLonePasswordIsHidden() {
        RedisEndpoint e = parse("rediss://tok3n@host");
        assertFalse(e.redacted().contains("tok3n"), e.redacted());
        assertFalse(e.toString().contains("tok3n"), e.toString());
    }

    @Test
    void clusterEndpointSaysSoWithoutThePassword() {
        RedisEndpoint e = RedisEndpoint.parse("--source", "redis://u:pw9@node1:7000", true);
        assertTrue(e.toString().endsWith(" (cluster)"), e.toString());
        assertFalse(e.toString().contains("pw9"));
    }

    @Test
    void urlWithoutPasswordIsLeftAsItIs() {
        assertEquals("redis://host:1/3", parse("redis://host:1/3").redacted());
        assertEquals("redis://host:1/3", RedisEndpoint.redact("redis://host:1/3"));
    }

    @Test
    void redactHidesPasswordsInsideALongerText() {
        String text = "cannot connect to redis://admin:hunter2@db.example:6379/0, nor to rediss://t0ken@other:6380 (timeout)";
        String redacted = RedisEndpoint.redact(text);
        assertFalse(redacted.contains("hunter2"), redacted);
        assertFalse(redacted.contains("t0ken"), redacted);
        assertTrue(redacted.startsWith("cannot connect to redis://admin:***@db.example:6379/0"), redacted);
        assertTrue(redacted.endsWith("rediss://***@other:6380 (timeout)"), redacted);
        assertNull(RedisEndpoint.redact(null));
    }

    @Test
    void errorForABadUrlDoesNotShowItsPassword() {
        ConfigException badDb = rejects("--source", "redis://admin:hunter2@host/notadb", false);
        assertFalse(badDb.getMessage().contains("hunter2"), badDb.getMessage());
        assertTrue(badDb.getMessage().startsWith("--source: "));

        ConfigException badCluster = rejects("--source", "redis://admin:hunter2@host/3", true);
        assertFalse(badCluster.getMessage().contains("hunter2"), badCluster.getMessage());

        ConfigException noHost = rejects("--source", "redis://:hunter2@/0", false);
        assertFalse(noHost.getMessage().contains("hunter2"), noHost.getMessage());

        ConfigException lone = rejects("--source", "redis://hunter2@host/x", false);
        assertFalse(lone.getMessage().contains("hunter2"), lone.getMessage());
    }

    @Test
    void sameServerComparesHostPortAndDb() {
        assertTrue(parse("redis://a:pw@Host:1/2").sameServerAs(parse("rediss://host:1/2")));
        assertFalse(parse("redis://host:1/2").sameServerAs(parse("redis://host:1/3")));
        assertFalse(parse("redis://host:1").sameServerAs(parse("redis://host:2")));
    }

    @Test
    void noErrorShowsAPasswordWhateverTheUrlLooksLike() {
        for (String url : new String[] {"ftp://u:secret@h", "redis://u:se cret@h", "redis://u:pa/ss@host/x",
                "redis://u:p@ss@host/x", "http://secret@h"}) {
            ConfigException e = rejects("--target", url, false);
            assertFalse(e.getMessage().contains("secret") || e.getMessage().contains("pa/ss") || e.getMessage().contains("p@ss")
                    || e.getMessage().contains("se cret"), e.getMessage());
            assertTrue(e.getMessage().startsWith("--target: "), e.getMessage());
        }
    }

    @Test
    void redactCutsUserInfoUpToTheLastAtOfAnyScheme() {
        assertEquals("failed: redis://u:***@host:1 then kafka://***@b", RedisEndpoint.redact("failed: redis://u:p@ss@host:1 then kafka://secret@b"));
    }
}
