package io.keyferry.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a {@code redis-server} executable for {@link RedisProcess}.
 *
 * <p>Order: {@code redis-server} on PATH first (the distro build is what users expect), then the
 * linux-amd64 binary shipped as a plain resource inside {@code com.github.codemonstur:embedded-redis}
 * (we only use that jar's resource, never its Java API), extracted once into a per-user cache dir.
 */
public final class RedisBinary {

    /** Resource name inside the embedded-redis 1.4.x jar (the binary itself reports 6.2.11). */
    static final String BUNDLED_RESOURCE = "redis-server-6.2.6-v5-linux-amd64";
    /** Cache file name; versioned so a future jar with a different binary never reuses a stale copy. */
    static final String BUNDLED_FILE = "redis-server-6.2.6-v5";

    private RedisBinary() {
    }

    /**
     * @return an executable redis-server
     * @throws IllegalStateException (one-line message) when none can be found
     */
    public static Path locate() {
        Optional<Path> onPath = findOnPath("redis-server");
        if (onPath.isPresent()) {
            return onPath.get();
        }
        if (isLinuxAmd64()) {
            Optional<Path> bundled = extractBundled(defaultCacheDir());
            if (bundled.isPresent()) {
                return bundled.get();
            }
        }
        throw new IllegalStateException("redis-server not found on PATH (apt-get install redis-server)");
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(entry, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    static boolean isLinuxAmd64() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Paths.get(xdg)
                : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("keyferry");
    }

    /**
     * Copies the bundled linux-amd64 redis-server out of the classpath into {@code cacheDir}
     * (reusing an earlier copy of the same size) and makes it executable.
     *
     * @return the executable, or empty when the resource is not on the classpath
     */
    static Optional<Path> extractBundled(Path cacheDir) {
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Files.createDirectories(cacheDir);
            Path target = cacheDir.resolve(BUNDLED_FILE);
            long expectedSize = resourceSize();
            if (Files.isRegularFile(target) && Files.isExecutable(target)
                    && (expectedSize < 0 || Files.size(target) == expectedSize)) {
                return Optional.of(target);
            }
            // Write to a private temp file and rename: two processes extracting concurrently
            // must never see (or exec) a half-written binary.
            Path tmp = Files.createTempFile(cacheDir, BUNDLED_FILE, ".part");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return Optional.of(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract bundled redis-server to " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    private static long resourceSize() {
        try {
            var url = RedisBinary.class.getClassLoader().getResource(BUNDLED_RESOURCE);
            if (url == null) {
                return -1;
            }
            var conn = url.openConnection();
            conn.setUseCaches(false);
            long len = conn.getContentLengthLong();
            // Closing the stream releases the jar file handle the connection opened.
            conn.getInputStream().close();
            return len;
        } catch (IOException e) {
            return -1;
        }
    }
}
