package io.keyferry.core.rules;

import io.keyferry.core.model.RedisKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The ordered --rename rules of a run: the first rule whose FROM matches wins. With no rules
 * every key keeps its name; with rules, a key no rule matches is skipped ({@code no_rule}).
 */
public final class RenameRules {
    private final List<RenameRule> rules;

    private RenameRules(List<RenameRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static RenameRules identity() {
        return new RenameRules(List.of());
    }

    /** @throws IllegalArgumentException naming the bad rule */
    public static RenameRules parse(List<String> specs, Set<String> derivable) {
        List<RenameRule> rules = new ArrayList<>();
        for (String spec : specs) {
            rules.add(RenameRule.parse(spec, derivable));
        }
        return new RenameRules(rules);
    }

    public boolean isIdentity() {
        return rules.isEmpty();
    }

    public List<RenameRule> rules() {
        return rules;
    }

    /** The first matching rule with its captures, or empty when no rule matches. */
    public Optional<Match> match(RedisKey key) {
        if (rules.isEmpty()) {
            return Optional.of(new Match(null, Map.of()));
        }
        for (RenameRule rule : rules) {
            Optional<Map<String, byte[]>> captures = rule.match(key.unsafeBytes());
            if (captures.isPresent()) {
                return Optional.of(new Match(rule, captures.get()));
            }
        }
        return Optional.empty();
    }

    /** A matched rule (null for the identity) and what it captured. */
    public record Match(RenameRule rule, Map<String, byte[]> captures) {
        public RedisKey target(RedisKey source, Map<String, byte[]> derived) {
            if (rule == null) {
                return source;
            }
            Map<String, byte[]> all = new java.util.HashMap<>(captures);
            all.putAll(derived);
            return RedisKey.of(rule.render(all));
        }
    }
}
