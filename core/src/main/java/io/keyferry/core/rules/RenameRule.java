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

    private RenameRule(String spec, Pattern from, List<String> captures, List<Object> to) {
        this.spec = spec;
        this.from = from;
        this.captures = captures;
        this.to = to;
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
        for (Object part : tokens(spec, fromText)) {
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
                Collections.unmodifiableList(captures), Collections.unmodifiableList(to));
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
