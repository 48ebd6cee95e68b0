package io.keyferry.cli;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What the heap held while the bench's runs ran. The most in use at once counts garbage not yet
 * collected, so it says more about the heap the JVM was given than about what keyferry needs;
 * the most left in use right after a full collection is what the process actually kept.
 */
final class HeapWatch implements AutoCloseable {
    private static final String FULL = "end of major GC";

    private final Set<String> heapPools;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::collected;
    private final AtomicLong mostAfterFull = new AtomicLong(-1);
    private final AtomicInteger fullCollections = new AtomicInteger();

    /** Starts watching from now: the peaks seen before are forgotten. */
    HeapWatch() {
        heapPools = heapPools().stream().map(MemoryPoolMXBean::getName).collect(Collectors.toUnmodifiableSet());
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private void collected(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (!FULL.equals(info.getGcAction())) {
            return;
        }
        long after = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                .filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
        mostAfterFull.accumulateAndGet(after, Math::max);
        fullCollections.incrementAndGet();
    }

    /** The most heap in use at once since this watch started, garbage included, in bytes. */
    long peakInUse() {
        return heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** The most heap left in use after a full collection since this watch started, in bytes; -1 without one. */
    long mostAfterFullCollection() {
        return mostAfterFull.get();
    }

    int fullCollections() {
        return fullCollections.get();
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added to this one: nothing to remove
            }
        }
    }
}
