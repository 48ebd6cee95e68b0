package io.keyferry.kafka;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A role replica's place under {@code --state-dir}: the first of {@code <run>-0}, {@code <run>-1},
 * ... whose lock file no live process holds, with an id kept beside it. A replica restarted after a
 * crash gets its old slot back (the OS released the dead one's lock), with it the same id, hence
 * the same transactional ids: its first {@code initTransactions} fences its dead predecessor and
 * aborts what that one left open, at once instead of after the transaction timeout. Replicas
 * running side by side each hold a slot of their own.
 */
public final class ReplicaSlot implements AutoCloseable {
    private final Path dir;
    private final String id;
    private final FileChannel lock;

    private ReplicaSlot(Path dir, String id, FileChannel lock) {
        this.dir = dir;
        this.id = id;
        this.lock = lock;
    }

    /**
     * Takes the first free slot of {@code run} under {@code parent}.
     *
     * @throws IllegalStateException naming --state-dir when it cannot be used or all 1000 slots are held
     */
    public static ReplicaSlot take(Path parent, String run) {
        for (int slot = 0; slot < 1000; slot++) {
            Path dir = parent.resolve(run + "-" + slot);
            FileChannel ch = null;
            try {
                Files.createDirectories(parent);
                ch = FileChannel.open(parent.resolve(run + "-" + slot + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.tryLock();
                if (held != null) {
                    // held for the life of the process; the OS releases it on a crash
                    return new ReplicaSlot(dir, id(parent.resolve(run + "-" + slot + ".id")), ch);
                }
                ch.close();
            } catch (OverlappingFileLockException e) {
                closeQuietly(ch); // this JVM holds that slot already (a second replica in one process)
            } catch (IOException e) {
                closeQuietly(ch);
                throw new IllegalStateException("--state-dir: cannot use " + parent + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("--state-dir: no free replica slot under " + parent);
    }

    /**
     * The id kept in {@code file}, made (and written whole, so that a crash mid-write leaves either
     * no file or a complete one) the first time a slot is used.
     */
    public static String id(Path file) throws IOException {
        if (Files.exists(file)) {
            String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
            try {
                return UUID.fromString(kept).toString();
            } catch (IllegalArgumentException unreadable) {
                // written by something else: replace it; the cost is one transaction timeout
            }
        }
        String fresh = UUID.randomUUID().toString();
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(part, fresh, StandardCharsets.UTF_8);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return fresh;
    }

    /** The slot's own directory (not created here). */
    public Path dir() {
        return dir;
    }

    /** The slot's id, the same for every replica that holds it in turn. */
    public String id() {
        return id;
    }

    @Override
    public void close() {
        closeQuietly(lock);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // releasing a lock file: nothing left to do
            }
        }
    }
}
