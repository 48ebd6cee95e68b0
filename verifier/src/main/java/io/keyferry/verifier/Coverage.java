package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.report.KeyHash;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks a finished run's report against what its scanners published: every distinct key a
 * scanner put on the keys topic must have a verdict in the report. The report is read so that
 * it is complete by construction; this is the cross-check that turns a report short of keys into
 * an error instead of a quiet success.
 */
public final class Coverage {
    private Coverage() {
    }

    /** What a report lacks: how many of the distinct keys the scanners published have no verdict in it. */
    public record Gap(long missing, long published) {
    }

    /**
     * The gap between the tally and the keys {@code scanners} (the run's, as of its completion)
     * published. Every key of the tally came from a published reference, so a tally with at least as
     * many keys as references published (duplicates included) lacks none, and the keys topic is read
     * only otherwise: after a resume, a SCAN that returned a key twice, or a tally that is short.
     */
    public static Gap of(KafkaClients clients, String run, Map<String, ScanProgress> scanners, RunTally tally) {
        long references = 0;
        for (ScanProgress s : scanners.values()) {
            if (!VerifierApp.requeues(s.scanner())) {
                references += s.published();
            }
        }
        if (tally.keys() >= references) {
            return new Gap(0, tally.keys());
        }
        long[] published = published(clients, run, scanners);
        BitSet seen = new BitSet(published.length);
        tally.forEachKey(k -> {
            int at = Arrays.binarySearch(published, KeyHash.of(k));
            if (at >= 0) {
                seen.set(at);
            }
        });
        return new Gap(published.length - seen.cardinality(), published.length);
    }

    /**
     * Where the run's scanners' references begin on each partition of the keys topic: the lowest
     * of their {@code keys_from}; empty (the topic's start) when one does not say, since it may
     * have begun anywhere.
     */
    static Map<Integer, Long> keysFrom(Map<String, ScanProgress> scanners) {
        // the re-queued references are to keys already published
        return ScanProgress.referencesFrom(scanners.values().stream()
                .filter(s -> !VerifierApp.requeues(s.scanner())).toList()).orElse(Map.of());
    }

    /** The hashes of the distinct keys the run's scanners published, sorted. */
    static long[] published(KafkaClients clients, String run, Map<String, ScanProgress> scanners) {
        Map<Integer, Long> to = new HashMap<>();
        for (ScanProgress s : scanners.values()) {
            if (!VerifierApp.requeues(s.scanner())) {
                s.lastOffsets().forEach((p, o) -> to.merge(p, o + 1, Math::max));
            }
        }
        Hashes hashes = new Hashes();
        TopicReader.readRange(clients, Topics.KEYS, keysFrom(scanners), to, r -> {
            if (!run.equals(Json.runOf(r.value()))) {
                return;
            }
            try {
                for (KeyRef ref : Json.decodeKeyRefs(r.value())) {
                    hashes.add(KeyHash.of(ref.key().unsafeBytes()));
                }
            } catch (BadRecordException e) {
                // not a key reference: the migrator sent it to the dead-letter topic, no key of the run
            }
        });
        return hashes.distinct();
    }

    /** A growing array of hashes. */
    private static final class Hashes {
        private long[] a = new long[1024];
        private int n;

        void add(long h) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = h;
        }

        long[] distinct() {
            long[] sorted = Arrays.copyOf(a, n);
            Arrays.sort(sorted);
            int m = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (m == 0 || sorted[m - 1] != sorted[i]) {
                    sorted[m++] = sorted[i];
                }
            }
            return Arrays.copyOf(sorted, m);
        }
    }
}
