package io.keyferry.core.rules;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.SkipReason;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a source key gets its target name: the --rename rules, the --derive'd names they may use,
 * the --require'd shapes those names must have, and the workspace scope.
 */
public final class Naming {
    /** The name whose value scopes a key to a workspace (see --workspace). */
    public static final String WORKSPACE = "workspace_id";

    private final RenameRules rules;
    private final Map<String, Derivation> derived;
    private final Map<String, Pattern> required;

    private Naming(RenameRules rules, Map<String, Derivation> derived, Map<String, Pattern> required) {
        this.rules = rules;
        this.derived = derived;
        this.required = required;
    }

    public static Naming identity() {
        return new Naming(RenameRules.identity(), Map.of(), Map.of());
    }

    /** Parses and cross-checks the three options; errors name the option at fault. */
    public static Naming parse(List<String> renames, List<String> derives, List<String> requires) {
        Map<String, Derivation> derived = new LinkedHashMap<>();
        for (String spec : derives) {
            Derivation d;
            try {
                d = Derivation.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--derive", e.getMessage());
            }
            if (derived.put(d.name(), d) != null) {
                throw new ConfigException("--derive", "{" + d.name() + "} is derived twice");
            }
        }
        RenameRules rules;
        try {
            rules = RenameRules.parse(renames, derived.keySet());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--rename", e.getMessage());
        }
        Set<String> known = new LinkedHashSet<>(derived.keySet());
        rules.rules().forEach(r -> known.addAll(r.captures()));
        for (Derivation d : derived.values()) {
            if (rules.rules().stream().anyMatch(r -> r.captures().contains(d.name()))) {
                throw new ConfigException("--derive", "{" + d.name() + "} is already captured by a --rename");
            }
        }
        Map<String, Pattern> required = new LinkedHashMap<>();
        for (String spec : requires) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--require", "'" + spec + "' is not of the form NAME=REGEX");
            }
            String name = spec.substring(0, eq).trim();
            if (!known.contains(name)) {
                throw new ConfigException("--require", "{" + name + "} is neither captured by a --rename nor defined by --derive");
            }
            try {
                required.put(name, Pattern.compile(spec.substring(eq + 1)));
            } catch (PatternSyntaxException e) {
                throw new ConfigException("--require", "'" + spec.substring(eq + 1) + "' is not a regular expression: "
                        + e.getDescription());
            }
        }
        return new Naming(rules, Map.copyOf(derived), Map.copyOf(required));
    }

    public RenameRules rules() {
        return rules;
    }

    /** Whether a key's {workspace_id} is known: a --rename captures it or a --derive names it (see --workspace). */
    public boolean scopesWorkspaces() {
        return derived.containsKey(WORKSPACE) || rules.rules().stream().anyMatch(r -> r.captures().contains(WORKSPACE));
    }

    /** The first rule that matches the key's name (identity when there are no rules). */
    public Optional<RenameRules.Match> match(RedisKey key) {
        return rules.match(key);
    }

    /** The hash fields some --derive takes a name from: all of a big hash that naming needs. */
    public List<byte[]> derivedFields() {
        return derived.values().stream().map(Derivation::field).filter(java.util.Objects::nonNull).toList();
    }

    /** True when some name of this match comes from the value: then the source must be read first. */
    public boolean needsValue(RenameRules.Match m) {
        return !derivedNeeded(m).isEmpty();
    }

    /**
     * The target key for a matched source key, or why it is skipped: {@code invalid} when a
     * derived value is missing or a name does not fully match its --require, {@code
     * other_workspace} when its {workspace_id} is not the scan's workspace.
     *
     * @param value     the source value (only read when a derived name is needed; may be null otherwise)
     * @param workspace the scan's --workspace, or null
     */
    public Resolved resolve(RedisKey source, RenameRules.Match m, KeyValue value, String workspace) {
        Map<String, byte[]> names = new HashMap<>(m.captures());
        for (String name : derivedNeeded(m)) {
            Optional<byte[]> v = value == null ? Optional.empty() : derived.get(name).from(value);
            if (v.isEmpty() || v.get().length == 0) {
                return Resolved.skipped(SkipReason.INVALID, "no {" + name + "} in the value (" + derived.get(name) + ")", names);
            }
            names.put(name, v.get());
        }
        for (Map.Entry<String, Pattern> r : required.entrySet()) {
            byte[] v = names.get(r.getKey());
            if (v != null && !r.getValue().matcher(new String(v, StandardCharsets.UTF_8)).matches()) {
                return Resolved.skipped(SkipReason.INVALID, "{" + r.getKey() + "} does not match " + r.getValue().pattern(), names);
            }
        }
        byte[] ws = names.get(WORKSPACE);
        if (workspace != null && ws != null && !Arrays.equals(ws, workspace.getBytes(StandardCharsets.UTF_8))) {
            return Resolved.skipped(SkipReason.OTHER_WORKSPACE, null, names);
        }
        Map<String, byte[]> fromValue = new HashMap<>(names);
        fromValue.keySet().removeAll(m.captures().keySet());
        return new Resolved(m.target(source, fromValue), null, null, names);
    }

    /**
     * Names as text, for records and reports: UTF-8 values as they are, others escaped as a
     * key's display is; in name order.
     */
    public static Map<String, String> text(Map<String, byte[]> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.TreeMap<>();
        names.forEach((name, value) -> out.put(name, RedisKey.of(value).display()));
        return java.util.Collections.unmodifiableMap(out);
    }

    private Set<String> derivedNeeded(RenameRules.Match m) {
        Set<String> needed = new LinkedHashSet<>();
        if (m.rule() != null) {
            m.rule().targetNames().stream().filter(derived::containsKey).forEach(needed::add);
        }
        required.keySet().stream().filter(derived::containsKey).forEach(needed::add);
        if (derived.containsKey(WORKSPACE)) {
            needed.add(WORKSPACE);
        }
        return needed;
    }

    /**
     * Either a target key, or a skip reason (with a short detail, never a value); with the names
     * captured and derived as far as resolving got.
     */
    public record Resolved(RedisKey target, SkipReason skip, String detail, Map<String, byte[]> names) {
        static Resolved skipped(SkipReason reason, String detail, Map<String, byte[]> names) {
            return new Resolved(null, reason, detail, names);
        }

        public boolean skipped() {
            return skip != null;
        }
    }
}
