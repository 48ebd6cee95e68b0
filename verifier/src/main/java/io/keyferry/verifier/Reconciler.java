package io.keyferry.verifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyferry.core.hash.Canonical;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
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

    private static final int BATCH = 1000;

    private final RedisStore source;
    private final RedisStore target;
    private final Naming naming;
    private final List<String> matches;
    private final long ttlToleranceMs;

    public Reconciler(RedisStore source, RedisStore target, Naming naming, List<String> matches, long ttlToleranceMs) {
        this.source = source;
        this.target = target;
        this.naming = naming;
        this.matches = matches;
        this.ttlToleranceMs = ttlToleranceMs;
    }

    public Report run(boolean fix) {
        List<Pair> missing = new ArrayList<>();
        List<Pair> fixed = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        Map<KeyType, Long> sourceCounts = new EnumMap<>(KeyType.class);
        Map<KeyType, Long> targetCounts = new EnumMap<>(KeyType.class);

        scanAll(source, matches.isEmpty() ? Collections.singletonList(null) : matches, key -> {
            Optional<RenameRules.Match> m = naming.match(key);
            if (m.isEmpty()) {
                return;
            }
            Snapshot src = source.read(key);
            if (!src.exists()) {
                return; // deleted while we scanned
            }
            sourceCounts.merge(src.type(), 1L, Long::sum);
            Naming.Resolved name = naming.resolve(key, m.get(), source.valueToName(key, src, naming.derivedFields()), null);
            if (name.skipped()) {
                return; // a migration would skip it too: nothing is expected in the target
            }
            Snapshot dst = target.read(name.target());
            if (!dst.exists()) {
                Pair p = new Pair(key, name.target());
                missing.add(p);
                long ttl = src.ttlLeftAt(System.currentTimeMillis());
                if (fix && (src.value() != null || src.big()) && !(src.ttlMs() > 0 && ttl <= 0)
                        && (src.big() ? source.copyBig(key, src, target, name.target(), null)
                            : target.createIfAbsent(name.target(), src.value(), ttl))) {
                    fixed.add(p);
                }
                return;
            }
            MismatchKind kind = compare(src, source.side(key, src), dst, target.side(name.target(), dst));
            if (kind != null) {
                mismatches.add(new Mismatch(key, name.target(), kind));
            }
        });

        List<RedisKey> orphans = new ArrayList<>();
        List<String> targetGlobs = naming.rules().isIdentity()
                ? (matches.isEmpty() ? Collections.singletonList(null) : matches)
                : naming.rules().rules().stream().map(RenameRule::targetGlob).distinct().toList();
        scanAll(target, targetGlobs, key -> {
            KeyType type = Canonical.typeOf(target.commands().type(key.unsafeBytes()));
            if (type == null) {
                return;
            }
            targetCounts.merge(type, 1L, Long::sum);
            Optional<byte[]> from = sourceOf(key);
            if (from.isPresent() && source.commands().exists(from.get()) == 0) {
                orphans.add(key);
            }
        });
        return new Report(missing, orphans, mismatches, sourceCounts, targetCounts, fixed);
    }

    private Optional<byte[]> sourceOf(RedisKey targetKey) {
        if (naming.rules().isIdentity()) {
            return Optional.of(targetKey.unsafeBytes());
        }
        for (RenameRule r : naming.rules().rules()) {
            Optional<byte[]> s = r.reverse(targetKey.unsafeBytes());
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty(); // no rule maps it back (or its names come from values): not judged
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

    private static void scanAll(RedisStore store, List<String> globs, Consumer<RedisKey> each) {
        Set<RedisKey> seen = new HashSet<>();
        for (String glob : globs) {
            store.forEachKey(glob, null, BATCH, k -> {
                if (seen.add(k)) {
                    each.accept(k);
                }
            });
        }
    }
}
