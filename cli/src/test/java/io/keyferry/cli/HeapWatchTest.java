package io.keyferry.cli;

import io.keyferry.testsupport.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapWatchTest {
    private static final int MB = 1024 * 1024;

    @Test
    void aFullCollectionReportsWhatItLeftInUseWhichThePeakInUseCovers() throws InterruptedException {
        byte[] kept;
        try (HeapWatch watch = new HeapWatch()) {
            assertEquals(-1, watch.mostAfterFullCollection(), "nothing collected yet");
            kept = new byte[64 * MB];
            System.gc(); // a full collection with the JVM's default settings, whichever the collector
            // the collector's notification comes on its own thread
            assertTrue(Await.until(Duration.ofSeconds(10), () -> watch.fullCollections() >= 1), "the full collection was seen");
            long after = watch.mostAfterFullCollection();
            assertTrue(after >= 64L * MB, "the 64 MB array stayed in use: " + after);
            assertTrue(after <= Runtime.getRuntime().maxMemory(), after + " within the heap");
            assertTrue(watch.peakInUse() >= after, "the peak in use covers what a collection left");
        }
        assertEquals(64 * MB, kept.length);
    }

    @Test
    void aClosedWatchNoLongerCounts() throws InterruptedException {
        HeapWatch watch = new HeapWatch();
        watch.close();
        try (HeapWatch witness = new HeapWatch()) {
            System.gc();
            // once an open watch has seen the collection, a closed one would have seen it too
            assertTrue(Await.until(Duration.ofSeconds(10), () -> witness.fullCollections() >= 1), "the witness saw it");
        }
        assertEquals(0, watch.fullCollections());
    }
}
