package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisUrisTest {
    private static RedisCredentials credentials(RedisURI uri) {
        return uri.getCredentialsProvider().resolveCredentials().block();
    }

    @Test
    void aUserInTheUrlAndAPasswordFileAuthenticateAsThatUser(@TempDir Path tmp) throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "s3cret\n");
        RedisEndpoint e = RedisEndpoint.parse("--source", "rediss://migrator@127.0.0.1:6380/2", false, null, false, pw);

        RedisURI uri = RedisUris.uri(e);

        assertEquals("migrator", credentials(uri).getUsername());
        assertArrayEquals("s3cret".toCharArray(), credentials(uri).getPassword());
        assertTrue(uri.isSsl());
        assertEquals(2, uri.getDatabase());
        assertEquals(SslVerifyMode.FULL, uri.getVerifyMode());
    }

    @Test
    void aPasswordFileWithoutAUserAuthenticatesAsTheDefaultUser(@TempDir Path tmp) throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "lone");
        RedisURI uri = RedisUris.uri(RedisEndpoint.parse("--target", "redis://h:1", false, null, false, pw));

        assertNull(credentials(uri).getUsername());
        assertArrayEquals("lone".toCharArray(), credentials(uri).getPassword());
    }

    @Test
    void aUrlPasswordIsUsedAsLettuceReadsIt() {
        RedisURI uri = RedisUris.uri(RedisEndpoint.parse("--source", "redis://app:pw@h:1", false));

        assertEquals("app", credentials(uri).getUsername());
        assertArrayEquals("pw".toCharArray(), credentials(uri).getPassword());
    }

    @Test
    void insecureSkipsPeerVerification() {
        RedisURI uri = RedisUris.uri(RedisEndpoint.parse("--source", "rediss://h:1", false, null, true, null));

        assertEquals(SslVerifyMode.NONE, uri.getVerifyMode());
    }

    @Test
    void aCaFileBecomesTheTrustManager() throws Exception {
        Path ca = Path.of(RedisUrisTest.class.getResource("/tls/test-ca.pem").toURI());
        RedisEndpoint e = RedisEndpoint.parse("--source", "rediss://h:1", false, ca, false, null);

        assertNotNull(RedisUris.sslOptions(e).createSslContextBuilder().build());
        assertNotNull(RedisUris.clientOptions(e).getSslOptions());
    }
}
