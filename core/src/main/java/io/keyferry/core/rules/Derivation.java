package io.keyferry.core.rules;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyferry.core.hash.KeyValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One {@code --derive 'NAME=field:F'} or {@code 'NAME=json:/pointer'}: a name the TO side of a
 * rename may use, taken from the source key's value rather than its name.
 */
public final class Derivation {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String spec;
    private final String name;
    private final byte[] field;
    private final JsonPointer pointer;

    private Derivation(String spec, String name, byte[] field, JsonPointer pointer) {
        this.spec = spec;
        this.name = name;
        this.field = field;
        this.pointer = pointer;
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code spec} */
    public static Derivation parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("'" + spec + "' is not of the form NAME=field:F or NAME=json:/pointer");
        }
        String name = spec.substring(0, eq).trim();
        String source = spec.substring(eq + 1).trim();
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + spec + "': '" + name + "' is not a name (letters, digits and _)");
        }
        if (source.startsWith("field:") && source.length() > "field:".length()) {
            return new Derivation(spec, name, source.substring("field:".length()).getBytes(StandardCharsets.UTF_8), null);
        }
        if (source.startsWith("json:")) {
            String ptr = source.substring("json:".length());
            try {
                if (!ptr.startsWith("/")) {
                    throw new IllegalArgumentException("must start with /");
                }
                return new Derivation(spec, name, null, JsonPointer.compile(ptr));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + spec + "': '" + ptr + "' is not a JSON pointer (RFC 6901, like /meta/workspace)");
            }
        }
        throw new IllegalArgumentException("'" + spec + "' must take its value from field:F or json:/pointer");
    }

    public String name() {
        return name;
    }

    public String spec() {
        return spec;
    }

    /** The hash field this name comes from, or null when it comes from a JSON pointer. */
    public byte[] field() {
        return field == null ? null : field.clone();
    }

    /**
     * The derived value, or empty when the value does not have it: not a hash, no such field, not
     * a JSON string, no such pointer, or a pointer to an object, array or null.
     */
    public Optional<byte[]> from(KeyValue value) {
        if (field != null) {
            if (!(value instanceof KeyValue.HashValue h)) {
                return Optional.empty();
            }
            return h.fields().stream().filter(f -> Arrays.equals(f.name(), field)).map(KeyValue.Field::value).findFirst();
        }
        if (!(value instanceof KeyValue.StringValue s)) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(s.value());
        } catch (IOException e) {
            return Optional.empty();
        }
        if (node == null) {
            return Optional.empty();
        }
        JsonNode v = node.at(pointer);
        if (v.isMissingNode() || v.isNull() || v.isContainerNode()) {
            return Optional.empty();
        }
        return Optional.of(v.asText().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return spec;
    }
}
