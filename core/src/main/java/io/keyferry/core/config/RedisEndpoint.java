package io.keyferry.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A Redis endpoint from {@code redis://[user[:password]@]host[:port][/db]} or {@code rediss://}
 * (TLS). {@link #toString()} and {@link #redacted()} never show the password.
 */
public record RedisEndpoint(String option, String uri, boolean tls, String host, int port, int db,
                            String user, boolean hasPassword, boolean cluster) {

    /** Parses and validates; the error names {@code option}. */
    public static RedisEndpoint parse(String option, String url, boolean cluster) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(option, "is required (a redis:// or rediss:// URL)");
        }
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(option, "'" + safe(url) + "' is not a URL");
        }
        String scheme = u.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new ConfigException(option, "'" + safe(url) + "' must start with redis:// or rediss://");
        }
        if (u.getHost() == null || u.getHost().isBlank()) {
            throw new ConfigException(option, "'" + safe(url) + "' has no host");
        }
        int port = u.getPort() == -1 ? 6379 : u.getPort();
        int db = 0;
        String path = u.getPath();
        if (path != null && !path.isEmpty() && !"/".equals(path)) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new ConfigException(option, "'" + safe(url) + "': the path must be a db number, like /2");
            }
            if (db < 0) {
                throw new ConfigException(option, "the db number must not be negative");
            }
            if (cluster && db != 0) {
                throw new ConfigException(option, "Redis Cluster has only db 0");
            }
        }
        String user = null;
        boolean hasPassword = false;
        String info = u.getRawUserInfo();
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            String rawUser = colon < 0 ? info : info.substring(0, colon);
            user = rawUser.isEmpty() ? null : URLDecoder.decode(rawUser, StandardCharsets.UTF_8);
            hasPassword = colon >= 0 && colon < info.length() - 1;
            if (colon < 0) {
                // redis://secret@host is the common way to give only a password
                user = null;
                hasPassword = true;
            }
        }
        return new RedisEndpoint(option, url.trim(), "rediss".equals(scheme), u.getHost(), port, db, user, hasPassword, cluster);
    }

    /** The URL with its password replaced by {@code ***}. */
    public String redacted() {
        return redact(uri);
    }

    private static final java.util.regex.Pattern USERINFO =
            java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)(\\S*)@");

    /**
     * Replaces the password (or lone secret) of every URL inside {@code text}, whatever its scheme:
     * everything between {@code ://} and the last {@code @} of the URL is user info.
     */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = USERINFO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String info = m.group(2);
            int colon = info.indexOf(':');
            String user = colon < 0 ? "" : info.substring(0, colon) + ":";
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(m.group(1) + user + "***@"));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A URL as it may appear in an error: user info (which may hold spaces or '@') cut whole. */
    static String safe(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int scheme = url.indexOf("://");
        int from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return url.substring(0, from) + "***" + url.substring(at);
    }

    @Override
    public String toString() {
        return redacted() + (cluster ? " (cluster)" : "");
    }

    public boolean sameServerAs(RedisEndpoint other) {
        return host.equalsIgnoreCase(other.host) && port == other.port && db == other.db;
    }
}
