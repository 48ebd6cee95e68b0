package io.keyferry.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * A Redis endpoint from {@code redis://[user[:password]@]host[:port][/db]} or {@code rediss://}
 * (TLS). {@link #toString()} and {@link #redacted()} never show the password.
 *
 * @param caFile           PEM certificates to trust for TLS instead of the JVM's defaults; null for those
 * @param insecure         TLS without certificate verification (self-signed test set-ups only)
 * @param passwordFromFile the password read from {@code <option>-password-file}, null when none
 *                         (a password in the URL stays in {@code uri})
 */
public record RedisEndpoint(String option, String uri, boolean tls, String host, int port, int db,
                            String user, boolean hasPassword, boolean cluster,
                            Path caFile, boolean insecure, String passwordFromFile) {

    public RedisEndpoint(String option, String uri, boolean tls, String host, int port, int db,
                         String user, boolean hasPassword, boolean cluster) {
        this(option, uri, tls, host, port, db, user, hasPassword, cluster, null, false, null);
    }

    /** Parses and validates; the error names {@code option}. */
    public static RedisEndpoint parse(String option, String url, boolean cluster) {
        return parse(option, url, cluster, null, false, null);
    }

    /**
     * Parses and validates the URL with its TLS and credential options ({@code <option>-ca-file},
     * {@code <option>-insecure}, {@code <option>-password-file}); each error names its option.
     * With a password file the URL may carry only the user ({@code rediss://migrator@host}).
     */
    public static RedisEndpoint parse(String option, String url, boolean cluster, Path caFile, boolean insecure,
                                      Path passwordFile) {
        RedisEndpoint e = parseUrl(option, url, cluster);
        String password = null;
        String user = e.user();
        boolean urlPassword = e.hasPassword();
        if (passwordFile != null) {
            String info = URI.create(e.uri()).getRawUserInfo();
            if (info != null && info.indexOf(':') >= 0 && info.indexOf(':') < info.length() - 1) {
                throw new ConfigException(option + "-password-file", "the URL of " + option
                        + " holds a password already; give only one of them");
            }
            if (info != null && !info.isEmpty()) {
                // with a password file, redis://name@host names the user rather than a lone secret
                String name = info.indexOf(':') >= 0 ? info.substring(0, info.indexOf(':')) : info;
                user = name.isEmpty() ? null : URLDecoder.decode(name, StandardCharsets.UTF_8);
                urlPassword = false;
            }
            password = readPassword(option + "-password-file", passwordFile);
        }
        if (caFile != null) {
            if (!e.tls()) {
                throw new ConfigException(option + "-ca-file", "needs a rediss:// URL for " + option);
            }
            if (insecure) {
                throw new ConfigException(option + "-insecure", "contradicts " + option + "-ca-file; give one of them");
            }
            checkCertificates(option + "-ca-file", caFile);
        }
        if (insecure && !e.tls()) {
            throw new ConfigException(option + "-insecure", "needs a rediss:// URL for " + option);
        }
        return new RedisEndpoint(option, e.uri(), e.tls(), e.host(), e.port(), e.db(), user, urlPassword || password != null,
                cluster, caFile, insecure, password);
    }

    private static String readPassword(String option, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(option, "cannot read " + file + ": " + reason(e));
        }
        // editors and `echo` end files with a newline that is not part of the password
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new ConfigException(option, file + " is empty");
        }
        return text.substring(0, end);
    }

    private static void checkCertificates(String option, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new ConfigException(option, file + " holds no PEM certificate");
            }
        } catch (IOException e) {
            throw new ConfigException(option, "cannot read " + file + ": " + reason(e));
        } catch (CertificateException e) {
            throw new ConfigException(option, file + " holds no readable PEM certificate: " + e.getMessage());
        }
    }

    /** The cause of a failed read in words (NIO's own messages are only the path). */
    private static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "No such file";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "not UTF-8 text";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static RedisEndpoint parseUrl(String option, String url, boolean cluster) {
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
