package io.keyferry.core.rules;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code 'FROM -> TO'} rule. In FROM, {@code {name}} captures one or more characters other
 * than {@code :}, {@code {name*}} captures anything (including {@code :}), everything else is
 * literal. TO is literal text with {@code {name}} placeholders.
 *
 * <p>Matching runs over the key's bytes (seen as ISO-8859-1, one char per byte) so that
 * binary keys are matched and rewritten without any decoding loss.
 */
public final class RenameRule {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String ARROW = "->";

    private final String spec;
    private final Pattern from;
    private final List<String> captures;
    private final List<Object> to; // byte[] literal or String name
    private final List<Object> fromParts; // String literal or Capture
    private final java.util.Set<String> starred;

    private RenameRule(String spec, Pattern from, List<String> captures, List<Object> to, List<Object> fromParts) {
        this.spec = spec;
        this.from = from;
        this.captures = captures;
        this.to = to;
        this.fromParts = fromParts;
        this.starred = new java.util.HashSet<>();
        fromParts.forEach(p -> {
            if (p instanceof Capture c && c.star) {
                starred.add(c.name);
            }
        });
    }

    /**
     * Parses a rule. {@code derivable} are names that may appear in TO without being captured
     * (they come from the value, see --derive).
     *
     * @throws IllegalArgumentException naming what is wrong, without the option name
     */
    public static RenameRule parse(String spec, Set<String> derivable) {
        int arrow = spec.indexOf(ARROW);
        if (arrow < 0 || spec.indexOf(ARROW, arrow + ARROW.length()) >= 0) {
            throw new IllegalArgumentException("'" + spec + "' is not of the form 'FROM -> TO'");
        }
        String fromText = spec.substring(0, arrow).trim();
        String toText = spec.substring(arrow + ARROW.length()).trim();
        if (fromText.isEmpty() || toText.isEmpty()) {
            throw new IllegalArgumentException("'" + spec + "' has an empty FROM or TO");
        }
        List<String> captures = new ArrayList<>();
        StringBuilder regex = new StringBuilder();
        List<Object> fromParts = tokens(spec, fromText);
        for (Object part : fromParts) {
            if (part instanceof Capture c) {
                if (captures.contains(c.name)) {
                    throw new IllegalArgumentException("'" + spec + "' captures {" + c.name + "} twice");
                }
                captures.add(c.name);
                regex.append(c.star ? "(.*)" : "([^:]+)");
            } else {
                regex.append(Pattern.quote(latin1((String) part)));
            }
        }
        List<Object> to = new ArrayList<>();
        for (Object part : tokens(spec, toText)) {
            if (part instanceof Capture c) {
                if (!captures.contains(c.name) && !derivable.contains(c.name)) {
                    throw new IllegalArgumentException("'" + spec + "': TO uses {" + c.name
                            + "}, which FROM does not capture" + (derivable.isEmpty() ? "" : " and no --derive defines"));
                }
                to.add(c.name);
            } else {
                to.add(((String) part).getBytes(StandardCharsets.UTF_8));
            }
        }
        return new RenameRule(spec, Pattern.compile(regex.toString(), Pattern.DOTALL),
                Collections.unmodifiableList(captures), Collections.unmodifiableList(to), fromParts);
    }

    /** The captured values by name when the key matches FROM as a whole. */
    public Optional<Map<String, byte[]>> match(byte[] key) {
        Matcher m = from.matcher(new String(key, StandardCharsets.ISO_8859_1));
        if (!m.matches()) {
            return Optional.empty();
        }
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (int i = 0; i < captures.size(); i++) {
            values.put(captures.get(i), m.group(i + 1).getBytes(StandardCharsets.ISO_8859_1));
        }
        return Optional.of(values);
    }

    /** Builds the target key from captured and derived values; every TO name must be present. */
    public byte[] render(Map<String, byte[]> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : to) {
            byte[] bytes = part instanceof String name ? values.get(name) : (byte[]) part;
            if (bytes == null) {
                throw new IllegalStateException("no value for {" + part + "} in rule " + spec);
            }
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** Names TO uses, in order of first use. */
    public Set<String> targetNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Object part : to) {
            if (part instanceof String name) {
                names.add(name);
            }
        }
        return names;
    }

    /** True when every name FROM captures appears in TO, so a target key can be mapped back. */
    public boolean reversible() {
        return targetNames().containsAll(captures);
    }

    /**
     * The source key a target key came from, when the target key has TO's shape and the rule is
     * {@link #reversible()}: the inverse of {@link #render}, for finding orphans in the target.
     */
    public Optional<byte[]> reverse(byte[] targetKey) {
        if (!reversible()) {
            return Optional.empty();
        }
        StringBuilder regex = new StringBuilder();
        List<String> groups = new ArrayList<>();
        for (Object part : to) {
            if (part instanceof String name) {
                groups.add(name);
                regex.append(starred.contains(name) ? "(.*)" : "([^:]+)");
            } else {
                regex.append(Pattern.quote(new String((byte[]) part, StandardCharsets.ISO_8859_1)));
            }
        }
        Matcher m = Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(new String(targetKey, StandardCharsets.ISO_8859_1));
        if (!m.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            String previous = values.putIfAbsent(groups.get(i), m.group(i + 1));
            if (previous != null && !previous.equals(m.group(i + 1))) {
                return Optional.empty(); // a name used twice in TO must be the same both times
            }
        }
        StringBuilder source = new StringBuilder();
        for (Object part : fromParts) {
            source.append(part instanceof Capture c ? values.get(c.name) : latin1((String) part));
        }
        byte[] key = source.toString().getBytes(StandardCharsets.ISO_8859_1);
        // Only a true inverse counts: the source key must match FROM and capture exactly these values
        // (derived names, which FROM does not capture, take whatever the target key says).
        return match(key).filter(captured -> captured.entrySet().stream().allMatch(e ->
                java.util.Arrays.equals(e.getValue(), values.get(e.getKey()).getBytes(StandardCharsets.ISO_8859_1))))
                .map(captured -> key);
    }

    /** A SCAN MATCH glob covering every key TO can produce. */
    public String targetGlob() {
        StringBuilder glob = new StringBuilder();
        for (Object part : to) {
            if (part instanceof String) {
                glob.append('*');
            } else {
                for (char c : new String((byte[]) part, StandardCharsets.UTF_8).toCharArray()) {
                    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                        glob.append('\\');
                    }
                    glob.append(c);
                }
            }
        }
        return glob.toString();
    }

    public List<String> captures() {
        return captures;
    }

    public String spec() {
        return spec;
    }

    @Override
    public String toString() {
        return spec;
    }

    private record Capture(String name, boolean star) {
    }

    private static List<Object> tokens(String spec, String text) {
        List<Object> out = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException("'" + spec + "' has a '}' without its '{'");
            }
            if (c != '{') {
                literal.append(c);
                continue;
            }
            int close = text.indexOf('}', i);
            if (close < 0) {
                throw new IllegalArgumentException("'" + spec + "' has a '{' without its '}'");
            }
            String inner = text.substring(i + 1, close);
            boolean star = inner.endsWith("*");
            String name = star ? inner.substring(0, inner.length() - 1) : inner;
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + spec + "' has a bad capture {" + inner
                        + "}: use {name} or {name*} with letters, digits and _");
            }
            if (literal.length() > 0) {
                out.add(literal.toString());
                literal.setLength(0);
            }
            out.add(new Capture(name, star));
            i = close;
        }
        if (literal.length() > 0) {
            out.add(literal.toString());
        }
        return out;
    }

    private static String latin1(String utf16) {
        return new String(utf16.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
