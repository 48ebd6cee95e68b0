package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;

/**
 * How an endpoint's TLS and credential options become Lettuce settings. Kept apart from
 * {@link RedisConnections} so that every client keyferry builds (standalone or cluster) trusts,
 * verifies and authenticates the same way.
 */
public final class RedisUris {
    private RedisUris() {
    }

    /** The endpoint's URI with the password from its password file and its peer verification. */
    public static RedisURI uri(RedisEndpoint endpoint) {
        RedisURI uri = RedisURI.create(endpoint.uri());
        if (endpoint.passwordFromFile() != null) {
            char[] password = endpoint.passwordFromFile().toCharArray();
            // Lettuce reads redis://name@host as a lone password; with a password file it is the user
            if (endpoint.user() == null) {
                uri.setAuthentication(password);
            } else {
                uri.setAuthentication(endpoint.user(), password);
            }
        }
        if (endpoint.insecure()) {
            uri.setVerifyPeer(SslVerifyMode.NONE);
        }
        return uri;
    }

    /** TLS settings: the endpoint's CA file as the only trust anchors, else the JVM's defaults. */
    public static SslOptions sslOptions(RedisEndpoint endpoint) {
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        if (endpoint.caFile() != null) {
            ssl.trustManager(endpoint.caFile().toFile());
        }
        return ssl.build();
    }

    /** Client options for a standalone client of {@code endpoint}. */
    public static ClientOptions clientOptions(RedisEndpoint endpoint) {
        // While disconnected, fail commands at once instead of holding them until the server is
        // back: a held read would be stamped with a time long before it ran, and a held write
        // would set a TTL computed before the wait. Failed commands are retried afresh
        // (--max-retries), and a fault longer than that budget is reported as an error.
        return ClientOptions.builder().sslOptions(sslOptions(endpoint))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build();
    }
}
