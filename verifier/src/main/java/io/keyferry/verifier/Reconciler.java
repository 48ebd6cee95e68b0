package io.keyferry.verifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyferry.core.hash.Canonical;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.Status;
import io.keyferry.core.rules.Glob;
import io.keyferry.core.rules.Naming;
import io.keyferry.core.rules.RenameRule;
import io.keyferry.core.rules.RenameRules;
import io.keyferry.redis.RedisStore;
import io.keyferry.redis.Snapshot;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Compares source and target directly, independent of any run: keys missing in the target,
 * orphans in the target (a key of a rule's TO shape whose source, mapped back, does not exist),
 * type/value/TTL mismatches, and counts per type. {@code fix} re-copies missing keys only, with
 * the same atomic create-if-absent as a migration; it never deletes or overwrites.
 */
public final class Reconciler {
    public record Pair(RedisKey key, RedisKey targetKey) {
    }

    public record Mismatch(RedisKey key, RedisKey targetKey, MismatchKind kind) {
    }

    public record Report(List<Pair> missing, List<RedisKey> orphans, List<Mismatch> mismatches,
                         Map<KeyType, Long> sourceCounts, Map<KeyType, Long> targetCounts, List<Pair> fixed) {
        /** Exit code 2 material: anything orphaned or mismatched, or missing and not fixed. */
        public boolean failed() {
            return !orphans.isEmpty() || !mismatches.isEmpty() || missing.size() > fixed.size();
        }

        public String json() {
            ObjectNode n = Json.reportNode();
            ArrayNode m = n.putArray("missing_in_target");
            missing.forEach(p -> pair(m.addObject(), p));
            ArrayNode o = n.putArray("orphans_in_target");
            orphans.forEach(k -> key(o.addObject(), "target_key", k));
            ArrayNode mm = n.putArray("mismatches");
            mismatches.forEach(x -> {
                ObjectNode e = mm.addObject();
                pair(e, new Pair(x.key(), x.targetKey()));
                e.put("kind", x.kind().wire());
            });
            ObjectNode counts = n.putObject("counts");
            ObjectNode s = counts.putObject("source");
            sourceCounts.forEach((t, c) -> s.put(t.wire(), c));
            ObjectNode t = counts.putObject("target");
            targetCounts.forEach((ty, c) -> t.put(ty.wire(), c));
            ArrayNode f = n.putArray("fixed");
            fixed.forEach(p -> pair(f.addObject(), p));
            return n.toPrettyString();
        }

        private static void pair(ObjectNode n, Pair p) {
            key(n, "key", p.key());
            key(n, "target_key", p.targetKey());
        }

        private static void key(ObjectNode n, String field, RedisKey k) {
            n.put(field, k.display());
            if (!k.isUtf8()) {
                n.put(field + "_b64", Base64.getEncoder().encodeToString(k.unsafeBytes()));
            }
        }
    }

    /**
     * What the source side of a reconcile selects, as a scan does: SCAN MATCH globs and types, or
     * an explicit cohort of keys (then exactly those).
     */
    public record Scope(List<String> matches, Set<KeyType> types, List<RedisKey> keys) {
        public Scope {
            matches = List.copyOf(matches);
            types = Set.copyOf(types);
            keys = List.copyOf(keys);
        }

        public static Scope of(List<String> matches) {
            return new Scope(matches, Set.of(), List.of());
        }

        boolean explicit() {
            return !keys.isEmpty();
        }

        /** Whether a scan of this scope would select a key of this name and type (type null: any). */
        boolean selects(RedisKey key, KeyType type) {
            if (explicit()) {
                return keys.contains(key);
            }
            boolean named = matches.isEmpty() || matches.stream().anyMatch(m -> Glob.of(m).matches(key.unsafeBytes()));
            return named && (types.isEmpty() || type == null || types.contains(type));
        }
    }

    /** A fix made: the copy's result and its verdict, for the audit topic. */
    public interface Fixes {
        Fixes NONE = fix -> { };

        void fixed(AuditRecord fix);
    }

    private static final int BATCH = 1000;

    private final RedisStore source;
    private final RedisStore target;
    private final Naming naming;
    private final Scope scope;
    private final long ttlToleranceMs;

    public Reconciler(RedisStore source, RedisStore target, Naming naming, List<String> matches, long ttlToleranceMs) {
        this(source, target, naming, Scope.of(matches), ttlToleranceMs);
    }

    public Reconciler(RedisStore source, RedisStore target, Naming naming, Scope scope, long ttlToleranceMs) {
        this.source = source;
        this.target = target;
        this.naming = naming;
        this.scope = scope;
        this.ttlToleranceMs = ttlToleranceMs;
    }

    public Report run(boolean fix) {
        return run(fix ? new Fix(null, null, Fixes.NONE) : null);
    }

    /** Who fixes, under which run id, and where each fix is recorded. */
    public record Fix(String run, String actor, Fixes record) {
    }

    /**
     * Compares the scope's keys with their images in the target, and looks for orphans among the
     * target keys that are images of keys the scope would select. Target keys outside that image
     * are neither judged nor counted.
     *
     * @param fix null: change nothing; else copy the keys missing in the target, each recorded
     */
    public Report run(Fix fix) {
        List<Pair> missing = new ArrayList<>();
        List<Pair> fixed = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        List<RedisKey> orphans = new ArrayList<>();
        Map<KeyType, Long> sourceCounts = new EnumMap<>(KeyType.class);
        Map<KeyType, Long> targetCounts = new EnumMap<>(KeyType.class);
        Set<RedisKey> imaged = new HashSet<>();

        forEachSourceKey(key -> {
            Optional<RenameRules.Match> m = naming.match(key);
            if (m.isEmpty()) {
                return;
            }
            Snapshot src = source.read(key);
            if (!src.exists()) {
                // Deleted while we scanned, or a cohort's key that is gone: its image, if it can be
                // named without the value and exists, is an orphan.
                if (scope.explicit() && !naming.needsValue(m.get())) {
                    RedisKey t = naming.resolve(key, m.get(), null, null).target();
                    imaged.add(t);
                    Snapshot dst = target.read(t);
                    if (dst.exists() && scope.selects(key, dst.type())) {
                        targetCounts.merge(dst.type(), 1L, Long::sum);
                        orphans.add(t);
                    }
                }
                return;
            }
            sourceCounts.merge(src.type(), 1L, Long::sum);
            Naming.Resolved name = naming.resolve(key, m.get(), source.valueToName(key, src, naming.derivedFields()), null);
            if (name.skipped()) {
                return; // a migration would skip it too: nothing is expected in the target
            }
            imaged.add(name.target());
            Snapshot dst = target.read(name.target());
            if (!dst.exists()) {
                Pair p = new Pair(key, name.target());
                missing.add(p);
                if (fix != null && copy(key, src, name.target(), fix)) {
                    fixed.add(p);
                }
                return;
            }
            targetCounts.merge(dst.type(), 1L, Long::sum);
            MismatchKind kind = compare(src, source.side(key, src), dst, target.side(name.target(), dst));
            if (kind != null) {
                mismatches.add(new Mismatch(key, name.target(), kind));
            }
        });

        if (!scope.explicit()) {
            List<String> targetGlobs = naming.rules().isIdentity()
                    ? (scope.matches().isEmpty() ? Collections.singletonList(null) : scope.matches())
                    : naming.rules().rules().stream().map(RenameRule::targetGlob).distinct().toList();
            scanAll(target, targetGlobs, null, key -> {
                if (imaged.contains(key)) {
                    return; // judged and counted from its source
                }
                Optional<RedisKey> from = sourceOf(key);
                if (from.isEmpty()) {
                    return; // no rule maps it back (or its names come from values): not the scope's image
                }
                Snapshot dst = target.read(key);
                if (!dst.exists() || !scope.selects(from.get(), dst.type()) || source.read(from.get()).exists()) {
                    return; // gone, outside the scope, or a source that appeared after the source pass
                }
                targetCounts.merge(dst.type(), 1L, Long::sum);
                orphans.add(key);
            });
        }
        return new Report(missing, orphans, mismatches, sourceCounts, targetCounts, fixed);
    }

    /**
     * Copies a key missing in the target as a migration creates one (atomically, only if still
     * absent), reads it back and judges it as the verifier would.
     */
    private boolean copy(RedisKey key, Snapshot src, RedisKey targetKey, Fix fix) {
        long ttl = src.ttlLeftAt(System.currentTimeMillis());
        if ((src.value() == null && !src.big()) || (src.ttlMs() > 0 && ttl <= 0)) {
            return false; // expired meanwhile, or a type struct copies cannot write
        }
        boolean created = src.big() ? source.copyBig(key, src, target, targetKey, null)
                : target.createIfAbsent(targetKey, src.value(), ttl);
        if (!created) {
            return false;
        }
        if (fix.run() != null) {
            Side srcSide = source.side(key, src);
            Side back = target.side(targetKey, target.read(targetKey), src, srcSide);
            Status status = srcSide.sameContentAs(back) ? Status.COPIED : Status.COPY_MISMATCH;
            KeyResult r = new KeyResult(fix.run(), fix.actor(), Mode.EXECUTE, null, key, targetKey, srcSide, back,
                    src.readAtMs(), status, null, null, System.currentTimeMillis(), null);
            Snapshot tNow = target.read(targetKey);
            Snapshot sNow = source.read(key);
            fix.record().fixed(new Judge(ttlToleranceMs).judge(r, source.side(key, sNow),
                    target.side(targetKey, tNow), tNow.readAtMs(), null));
        }
        return true;
    }

    private void forEachSourceKey(Consumer<RedisKey> each) {
        if (scope.explicit()) {
            new java.util.LinkedHashSet<>(scope.keys()).forEach(each);
            return;
        }
        List<String> globs = scope.matches().isEmpty() ? Collections.singletonList(null) : scope.matches();
        List<KeyType> types = scope.types().isEmpty() ? Collections.singletonList(null) : List.copyOf(scope.types());
        Set<RedisKey> seen = new HashSet<>();
        for (KeyType type : types) {
            scanAll(source, globs, type, k -> {
                if (seen.add(k)) {
                    each.accept(k);
                }
            });
        }
    }

    /** The source key the rules map {@code targetKey} back from, checked the way forward. */
    private Optional<RedisKey> sourceOf(RedisKey targetKey) {
        if (naming.rules().isIdentity()) {
            return Optional.of(targetKey);
        }
        for (RenameRule r : naming.rules().rules()) {
            Optional<byte[]> s = r.reverse(targetKey.unsafeBytes());
            if (s.isPresent()) {
                RedisKey key = RedisKey.of(s.get());
                // first match wins: only the rule that would name it counts
                Optional<RenameRules.Match> m = naming.match(key);
                if (m.isPresent() && m.get().rule() == r) {
                    return Optional.of(key);
                }
            }
        }
        return Optional.empty();
    }

    private MismatchKind compare(Snapshot src, Side s, Snapshot dst, Side d) {
        if (s.type() != d.type()) {
            return MismatchKind.TYPE;
        }
        if (s.sha256() == null || !s.sha256().equals(d.sha256())) {
            return MismatchKind.VALUE;
        }
        boolean sourceExpires = src.ttlMs() >= 0;
        boolean targetExpires = dst.ttlMs() >= 0;
        if (sourceExpires != targetExpires
                || (sourceExpires && Math.abs(src.ttlLeftAt(dst.readAtMs()) - dst.ttlMs()) > ttlToleranceMs)) {
            return MismatchKind.TTL;
        }
        return null;
    }

    private static void scanAll(RedisStore store, List<String> globs, KeyType type, Consumer<RedisKey> each) {
        Set<RedisKey> seen = new HashSet<>();
        for (String glob : globs) {
            store.forEachKey(glob, type, BATCH, k -> {
                if (seen.add(k)) {
                    each.accept(k);
                }
            });
        }
    }
}
