package io.keyferry.cli;

import io.keyferry.testsupport.Await;
import io.keyferry.testsupport.KeyByKey;
import io.keyferry.testsupport.TestRedis;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.sync.RedisCommands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the fault tests share: a source loaded with {@code job:*} keys of every struct type (some
 * with a TTL) plus keys outside the scope, a target that already holds two of the run's keys (one
 * the same, one different: it must survive) and one key of its own; roles started as their own
 * JVMs and killed by PID; and the end check, key by key.
 */
final class FaultJob implements AutoCloseable {
    /** The scope every fault run selects. */
    static final String MATCH = "job:*";
    /** Already on the target with the source's content: {@code already_match}. */
    static final String SAME = "job:10";
    /** Already on the target with other content: {@code conflict_skipped}, and left as it is. */
    static final String CONFLICT = "job:11";

    final TestRedis source;
    final TestRedis target;
    final Path tmp;
    final int keys;
    final Random random;
    private final List<Process> processes = new ArrayList<>();
    private Map<String, KeyByKey.Content> targetBefore;

    FaultJob(Path tmp, int keys, TestRedis source, TestRedis target) {
        this.tmp = tmp;
        this.keys = keys;
        this.source = source;
        this.target = target;
        long seed = Long.getLong("faults.seed", System.nanoTime());
        System.out.println("fault test seed " + seed + " (rerun with -Dfaults.seed=" + seed + ")");
        this.random = new Random(seed);
        load();
    }

    private void load() {
        RedisCommands<String, String> s = source.strings();
        for (int i = 0; i < keys; i++) {
            String k = "job:" + i;
            switch (i % 5) {
                case 0 -> s.set(k, "value-" + i);
                case 1 -> s.hset(k, Map.of("status", "done", "n", Integer.toString(i), "payload", "{\"i\": " + i + "}"));
                case 2 -> s.rpush(k, "b", "a", Integer.toString(i), "a");
                case 3 -> s.sadd(k, "x", "y", Integer.toString(i));
                default -> s.zadd(k, ScoredValue.just(i, "m" + i), ScoredValue.just(-1.5, "low"));
            }
            if (i % 7 == 0) {
                s.pexpire(k, 600_000);
            }
        }
        for (int i = 0; i < 20; i++) {
            s.set("other:" + i, "not in scope " + i);
        }
        RedisCommands<String, String> t = target.strings();
        t.set(SAME, "value-10"); // job:10 is a string: the same content
        t.hset(CONFLICT, Map.of("owner", "application")); // job:11 is a hash with other fields
        t.set("app:own", "the application's key");
        targetBefore = KeyByKey.contents(target.bytes());
    }

    /** The target's keys before the run: each must end exactly as it was. */
    Map<String, KeyByKey.Content> targetBefore() {
        return targetBefore;
    }

    /** The end check: the whole target against the source, key by key, and the report line by line. */
    KeyByKey.Outcome check(Path report) {
        return check(report, Map.of(), Map.of());
    }

    KeyByKey.Outcome check(Path report, Map<String, KeyByKey.Content> alsoUntouched,
                           Map<String, java.util.Set<KeyByKey.Content>> changing) {
        Map<String, KeyByKey.Content> untouched = new java.util.TreeMap<>(targetBefore);
        untouched.putAll(alsoUntouched);
        KeyByKey.Outcome o = KeyByKey.of(source, target).scope(k -> k.startsWith("job:")).untouched(untouched)
                .changing(changing).report(report).check();
        assertEquals(keys, o.keysCompared(), "every key in scope compared");
        assertEquals(0, o.count("mismatch"), "no mismatch verdict: " + o.verdict());
        assertEquals("conflict_skipped", o.status().get(CONFLICT));
        assertEquals("not_applicable", o.verdict().get(CONFLICT));
        return o;
    }

    /** Every key copied and matching, but the one conflict: what an undisturbed run gives. */
    KeyByKey.Outcome checkAllCopied(Path report) {
        KeyByKey.Outcome o = check(report);
        assertEquals(keys - 1, o.count("match"), o.verdict().toString());
        assertEquals(keys - 1, o.countStatus("copied") + o.countStatus("already_match"), o.status().toString());
        return o;
    }

    String endpoints() {
        return "--source " + source.uri() + " --target " + target.uri();
    }

    /** A command as its own JVM, logging at INFO to {@code name.log}. */
    Process spawn(String name, String line) {
        try {
            Process p = Cli.spawn(tmp.resolve(name + ".log"), "INFO", Cli.words(line).toArray(new String[0]));
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL by PID, and wait for it to be gone. */
    static void kill(Process p) throws InterruptedException {
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process " + p.pid() + " gone");
    }

    /** A random pause between {@code minMs} and {@code maxMs}: the moment of the next kill. */
    void randomPause(long minMs, long maxMs) throws InterruptedException {
        Thread.sleep(minMs + (long) (random.nextDouble() * (maxMs - minMs)));
    }

    long copied() {
        return target.strings().dbsize() - targetBefore.size();
    }

    boolean awaitCopied(long n, Duration timeout) throws InterruptedException {
        return Await.until(timeout, () -> copied() >= n);
    }

    /**
     * The report's mismatch lines, each with both sides' TTL as they are now: what a failed
     * exit-code check shows (a report line does not name the mismatch's kind; equal hashes
     * with different TTLs point to a TTL).
     */
    String mismatches(Path report) {
        List<String> lines;
        try {
            lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
        } catch (IOException e) {
            return "(report unreadable: " + e.getMessage() + ")";
        }
        StringBuilder out = new StringBuilder("\nmismatches in " + report + ":");
        for (String line : lines) {
            if (line.endsWith(",mismatch")) {
                String key = line.split(",", 3)[1];
                out.append('\n').append(line).append("  source pttl=").append(source.strings().pttl(key))
                        .append(" target pttl=").append(target.strings().pttl(key));
            }
        }
        return out.toString();
    }

    String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log " + name + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                kill(p);
            }
        }
    }
}
