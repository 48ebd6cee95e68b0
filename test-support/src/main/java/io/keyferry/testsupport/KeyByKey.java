package io.keyferry.testsupport;

import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The check every fault test ends with: the whole target compared with the source key by key,
 * and the run's report read line by line.
 * <ul>
 *   <li>every source key in scope is on the target under its target name with the same type,
 *       the same value and the same TTL (within {@link #ttlToleranceMs}, or persistent like it);</li>
 *   <li>a target key that was there before the run (or that an application wrote during it) still
 *       holds exactly what it held: nothing is overwritten under {@code --on-conflict skip};</li>
 *   <li>the target holds no other key: nothing outside the scope was touched;</li>
 *   <li>the report has exactly one line per key in scope, no other line, each with a verdict.</li>
 * </ul>
 * Keys and values are compared as bytes (decoded as ISO-8859-1, which maps every byte to one
 * char), so the comparison is exact whatever the bytes.
 *
 * <pre>{@code
 * var before = KeyByKey.contents(target.bytes());
 * ... the run, with its faults ...
 * KeyByKey.Outcome o = KeyByKey.of(source, target).scope(k -> k.startsWith("job:")).untouched(before)
 *         .report(reportCsv).check();
 * }</pre>
 */
public final class KeyByKey {
    /** A key's type and value as comparable text; TTLs are compared separately. */
    public record Content(String type, String value) {
        /** A string value, as a test writes it. */
        public static Content string(String value) {
            return new Content("string", value);
        }
    }

    /** What the check saw: per source key in scope, its report line's status and verdict. */
    public record Outcome(Map<String, String> status, Map<String, String> verdict, int keysCompared) {
        public long count(String verdictName) {
            return verdict.values().stream().filter(verdictName::equals).count();
        }

        public long countStatus(String statusName) {
            return status.values().stream().filter(statusName::equals).count();
        }
    }

    private final Supplier<? extends RedisClusterCommands<byte[], byte[]>> source;
    private final Supplier<? extends RedisClusterCommands<byte[], byte[]>> target;
    private Predicate<String> scope = k -> true;
    private Function<String, String> rename = Function.identity();
    private Map<String, Content> untouched = Map.of();
    private Map<String, Set<Content>> changing = Map.of();
    private Path report;
    private long ttlToleranceMs = 2_000;

    private KeyByKey(Supplier<? extends RedisClusterCommands<byte[], byte[]>> source,
                     Supplier<? extends RedisClusterCommands<byte[], byte[]>> target) {
        this.source = source;
        this.target = target;
    }

    public static KeyByKey of(TestRedis source, TestRedis target) {
        return new KeyByKey(source::bytes, target::bytes);
    }

    /** A cluster source (its keys read from every master, each routed to its slot's master). */
    public static KeyByKey of(TestRedisCluster source, TestRedis target) {
        return new KeyByKey(source::bytes, target::bytes);
    }

    /** Which source keys the run covers (default: all). */
    public KeyByKey scope(Predicate<String> inScope) {
        this.scope = inScope;
        return this;
    }

    /** The target name of a source key in scope (default: the same name). */
    public KeyByKey rename(Function<String, String> targetName) {
        this.rename = targetName;
        return this;
    }

    /**
     * Target keys that must end exactly as given: those there before the run ({@link #contents})
     * and those an application wrote during it. A key in scope whose target name is here was a
     * conflict, and must not have been overwritten.
     */
    public KeyByKey untouched(Map<String, Content> targetKeys) {
        this.untouched = targetKeys;
        return this;
    }

    /**
     * Source keys an application changed during the run, with the content each had before and every
     * content the application gave it: the copy on the target may hold any of these (the verifier says
     * {@code source_changed}, not {@code mismatch}, for those), and its TTL is not compared.
     */
    public KeyByKey changing(Map<String, Set<Content>> contentsWritten) {
        this.changing = contentsWritten;
        return this;
    }

    /** The run's CSV report (default: none, the report is not checked). */
    public KeyByKey report(Path csv) {
        this.report = csv;
        return this;
    }

    public KeyByKey ttlToleranceMs(long ms) {
        this.ttlToleranceMs = ms;
        return this;
    }

    /** Runs every comparison; throws an AssertionError listing (the first 20 of) what differs. */
    public Outcome check() {
        RedisClusterCommands<byte[], byte[]> s = source.get();
        RedisClusterCommands<byte[], byte[]> t = target.get();
        List<String> problems = new ArrayList<>();
        Set<String> expectedTarget = new HashSet<>();
        List<String> inScope = new ArrayList<>();
        for (String key : keys(s)) {
            if (!scope.test(key)) {
                continue;
            }
            inScope.add(key);
            String tk = rename.apply(key);
            expectedTarget.add(tk);
            if (untouched.containsKey(tk)) {
                continue; // compared below, as a key that must be left as it was
            }
            Content want = content(s, key);
            Content got = content(t, tk);
            if (got == null) {
                problems.add(key + ": not on the target as " + tk);
                continue;
            }
            Set<Content> written = changing.get(key);
            if (written != null) {
                if (!written.contains(got)) {
                    problems.add(key + ": the target holds " + brief(got) + ", neither the source's first value nor one the application wrote");
                }
                continue;
            }
            if (!got.type().equals(want.type())) {
                problems.add(key + ": type " + got.type() + " on the target, " + want.type() + " on the source");
            } else if (!got.value().equals(want.value())) {
                problems.add(key + ": the target's " + want.type() + " differs: " + brief(got) + " vs " + brief(want));
            } else {
                long sTtl = s.pttl(bytes(key));
                long tTtl = t.pttl(bytes(tk));
                boolean ok = sTtl < 0 ? tTtl == sTtl : tTtl >= 0 && Math.abs(sTtl - tTtl) <= ttlToleranceMs;
                if (!ok) {
                    problems.add(key + ": TTL " + tTtl + " ms on the target, " + sTtl + " ms on the source");
                }
            }
        }
        untouched.forEach((tk, want) -> {
            Content got = content(t, tk);
            if (!want.equals(got)) {
                problems.add(tk + ": a target key that was there before (or written by the application) was changed: "
                        + brief(got) + " instead of " + brief(want));
            }
        });
        for (String tk : keys(t)) {
            if (!expectedTarget.contains(tk) && !untouched.containsKey(tk)) {
                problems.add(tk + ": on the target but outside the run's scope");
            }
        }
        Map<String, String> status = new HashMap<>();
        Map<String, String> verdict = new HashMap<>();
        if (report != null) {
            readReport(inScope, status, verdict, problems);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " keys differ (" + inScope.size() + " in scope):\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
        }
        return new Outcome(status, verdict, inScope.size());
    }

    private void readReport(List<String> inScope, Map<String, String> status, Map<String, String> verdict,
                            List<String> problems) {
        List<String> lines;
        try {
            lines = Files.readAllLines(report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the report " + report, e);
        }
        if (lines.isEmpty() || !lines.get(0).startsWith("run,key,target_key,")) {
            problems.add("the report has no header: " + report);
            return;
        }
        Map<String, Integer> lineCount = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            // our test keys have no comma or quote; the last three columns are status, reason, verdict
            String[] f = line.split(",", -1);
            if (f.length != 11) {
                problems.add("a report line of " + f.length + " columns: " + line);
                continue;
            }
            lineCount.merge(f[1], 1, Integer::sum);
            status.put(f[1], f[8]);
            verdict.put(f[1], f[10]);
            if (f[10].isEmpty()) {
                problems.add(f[1] + ": no verdict in the report");
            }
        }
        Set<String> scopeSet = new HashSet<>(inScope);
        lineCount.forEach((k, n) -> {
            if (n != 1) {
                problems.add(k + ": " + n + " report lines");
            }
            if (!scopeSet.contains(k)) {
                problems.add(k + ": in the report but not in scope");
            }
        });
        for (String k : inScope) {
            if (!lineCount.containsKey(k)) {
                problems.add(k + ": no report line (no final verdict)");
            }
        }
    }

    /** Every key of a server and what it holds: a target's state before the run, for {@link #untouched}. */
    public static Map<String, Content> contents(RedisClusterCommands<byte[], byte[]> r) {
        Map<String, Content> m = new TreeMap<>();
        for (String k : keys(r)) {
            Content c = content(r, k);
            if (c != null) {
                m.put(k, c);
            }
        }
        return m;
    }

    /** What {@code key} holds, or null when absent. Collections are put in a canonical order. */
    public static Content content(RedisClusterCommands<byte[], byte[]> r, String key) {
        byte[] k = bytes(key);
        String type = r.type(k);
        switch (type) {
            case "none":
                return null;
            case "string":
                return new Content(type, text(r.get(k)));
            case "hash": {
                TreeMap<String, String> m = new TreeMap<>();
                r.hgetall(k).forEach((f, v) -> m.put(text(f), text(v)));
                return new Content(type, m.toString());
            }
            case "list":
                return new Content(type, r.lrange(k, 0, -1).stream().map(KeyByKey::text).toList().toString());
            case "set":
                return new Content(type, r.smembers(k).stream().map(KeyByKey::text).sorted().toList().toString());
            case "zset": {
                TreeMap<String, Double> m = new TreeMap<>();
                for (ScoredValue<byte[]> sv : r.zrangeWithScores(k, 0, -1)) {
                    m.put(text(sv.getValue()), sv.getScore());
                }
                return new Content(type, m.toString());
            }
            case "stream": {
                List<String> entries = new ArrayList<>();
                for (StreamMessage<byte[], byte[]> msg : r.xrange(k, Range.create("-", "+"))) {
                    TreeMap<String, String> body = new TreeMap<>();
                    msg.getBody().forEach((f, v) -> body.put(text(f), text(v)));
                    entries.add(msg.getId() + body);
                }
                return new Content(type, entries.toString());
            }
            default:
                return new Content(type, "(not compared)");
        }
    }

    /** Every key of the server's db, by SCAN (on a cluster connection, of every master). */
    public static List<String> keys(RedisClusterCommands<byte[], byte[]> r) {
        List<String> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            var page = r.scan(cursor, ScanArgs.Builder.limit(1000));
            page.getKeys().forEach(k -> out.add(text(k)));
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private static String brief(Content c) {
        if (c == null) {
            return "(absent)";
        }
        String v = c.value();
        return c.type() + " " + (v.length() > 60 ? v.substring(0, 60) + "..." : v);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
