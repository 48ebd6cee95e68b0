package io.keyferry.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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

    private static Path caFile() throws Exception {
        return Path.of(RedisEndpointTest.class.getResource("/tls/test-ca.pem").toURI());
    }

    private static ConfigException rejectsSecurity(String url, Path ca, boolean insecure, Path passwordFile) {
        return assertThrows(ConfigException.class, () -> RedisEndpoint.parse("--source", url, false, ca, insecure, passwordFile));
    }

    @Test
    void aPasswordFileGivesThePasswordWithoutItsTrailingNewlineAndTheUrlNamesOnlyTheUser(@TempDir Path tmp) throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "s3cret pass\r\n\n");
        RedisEndpoint e = RedisEndpoint.parse("--source", "rediss://migrator@db.internal:6380", false, null, false, pw);

        assertEquals("migrator", e.user());
        assertEquals("s3cret pass", e.passwordFromFile());
        assertTrue(e.hasPassword());
        assertFalse(e.toString().contains("s3cret"), e.toString());
    }

    @Test
    void aPasswordFileAloneAuthenticatesAsTheDefaultUser(@TempDir Path tmp) throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "only-secret");
        RedisEndpoint e = RedisEndpoint.parse("--source", "redis://db.internal", false, null, false, pw);

        assertNull(e.user());
        assertEquals("only-secret", e.passwordFromFile());
    }

    @Test
    void aMissingOrEmptyPasswordFileIsRefusedNamingItsOption(@TempDir Path tmp) throws Exception {
        ConfigException missing = rejectsSecurity("redis://h", null, false, Path.of("/x"));
        assertEquals("--source-password-file: cannot read /x: No such file", missing.getMessage());

        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        ConfigException blank = rejectsSecurity("redis://h", null, false, empty);
        assertTrue(blank.getMessage().startsWith("--source-password-file: ") && blank.getMessage().endsWith("is empty"),
                blank.getMessage());
    }

    @Test
    void aPasswordInTheUrlAndAPasswordFileAreRefusedTogetherWithoutShowingEither(@TempDir Path tmp) throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "filesecret");
        ConfigException e = rejectsSecurity("redis://u:urlsecret@h", null, false, pw);

        assertTrue(e.getMessage().startsWith("--source-password-file: "), e.getMessage());
        assertFalse(e.getMessage().contains("urlsecret") || e.getMessage().contains("filesecret"), e.getMessage());
    }

    @Test
    void aCaFileIsReadAndCheckedAtStartUp(@TempDir Path tmp) throws Exception {
        RedisEndpoint e = RedisEndpoint.parse("--target", "rediss://h:6380", false, caFile(), false, null);
        assertEquals(caFile(), e.caFile());
        assertFalse(e.insecure());

        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate");
        assertTrue(rejectsSecurity("rediss://h", junk, false, null).getMessage().startsWith("--source-ca-file: "));
        assertEquals("--source-ca-file: cannot read /nope.pem: No such file",
                rejectsSecurity("rediss://h", Path.of("/nope.pem"), false, null).getMessage());
    }

    @Test
    void tlsOptionsNeedARedissUrlAndExcludeEachOther() throws Exception {
        assertEquals("--source-ca-file: needs a rediss:// URL for --source",
                rejectsSecurity("redis://h", caFile(), false, null).getMessage());
        assertEquals("--source-insecure: needs a rediss:// URL for --source",
                rejectsSecurity("redis://h", null, true, null).getMessage());
        assertEquals("--source-insecure: contradicts --source-ca-file; give one of them",
                rejectsSecurity("rediss://h", caFile(), true, null).getMessage());
        assertTrue(RedisEndpoint.parse("--source", "rediss://h", false, null, true, null).insecure());
    }
}
