package io.keyferry.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keyferry's own lock on a broker's data dir ({@code keyferry.lock}): held by the process whose
 * broker runs on it, or that reads its topics at rest, so no broker starts and writes under a
 * reader and no two brokers share a dir.
 */
final class StateDirLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateDirLock.class);
    static final String LOCK_FILE = "keyferry.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock on {@code dir}, or null when another process (or this one) holds it. */
    static StateDirLock tryTake(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return null;
        }
        return new StateDirLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            LOG.debug("releasing state-dir lock: {}", e.toString());
        }
    }
}
