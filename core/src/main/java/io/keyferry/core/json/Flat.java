package io.keyferry.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.keyferry.core.model.RedisKey;

import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * A record whose fields are all top-level scalars (results, verdicts), read by {@link FlatBytes}
 * (or, where that gives up, a streaming parser) into plain values instead of a tree: every key's
 * result and verdict are decoded, so this is on the hot path. The accessors read fields as {@link Json}'s tree-based ones do.
 */
final class Flat {
    /** What a nested object or array reads as: Jackson's {@code asText()} of a container. */
    private static final Object CONTAINER = new Object();
    private static final Object NULL = new Object();

    /**
     * The values of the names keyferry writes, by their slot in {@link FlatBytes.Names}: a
     * record's twenty-odd fields go into an array instead of a map's nodes (every key's result is
     * read). Other names, which keyferry does not write, are kept by name.
     */
    private final Object[] known = new Object[FlatBytes.Names.SLOTS];
    private Map<String, Object> others;
    private boolean resultNames;

    private Flat() {
    }

    private Flat(Map<String, Object> fields) {
        fields.forEach(this::put);
    }

    /** Parses and checks it is a record of {@code kind}, with the same errors as {@code Json.parse}. */
    static Flat parse(JsonFactory factory, byte[] data, String kind) throws BadRecordException {
        Flat f = data == null ? null : read(data);
        if (f == null) {
            f = new Flat(jackson(factory, data));
        }
        if (f.asLong("v", 0) != Json.VERSION || !kind.equals(f.text("record"))) {
            throw new BadRecordException("not a keyferry " + kind + " record (v " + Json.VERSION + ")");
        }
        return f;
    }

    /** The fields as {@link #jackson} reads them, read by {@link FlatBytes}; null where that gives up. */
    static Map<String, Object> fast(byte[] data) {
        Flat f = read(data);
        if (f == null) {
            return null;
        }
        Map<String, Object> fields = f.others == null ? new HashMap<>() : new HashMap<>(f.others);
        for (int slot = 0; slot < f.known.length; slot++) {
            if (f.known[slot] != null) {
                fields.put(FlatBytes.Names.name(slot), f.known[slot]);
            }
        }
        return fields;
    }

    private static Flat read(byte[] data) {
        FlatBytes r = new FlatBytes(data);
        Flat f = new Flat();
        boolean twice = false;
        while (r.next()) {
            Object value = switch (r.kind()) {
                case STRING -> r.text();
                case INTEGER -> r.integer();
                case TRUE -> Boolean.TRUE;
                case FALSE -> Boolean.FALSE;
                case NULL -> NULL;
            };
            // a name not of ours already rules the record out (FlatBytes.resultNames)
            twice |= r.slot() >= 0 && f.known[r.slot()] != null;
            f.put(r.slot(), r.name(), value);
        }
        if (r.failed()) {
            return null;
        }
        f.resultNames = r.resultNames() && !twice;
        return f;
    }

    private void put(String name, Object value) {
        put(FlatBytes.Names.slot(name), name, value);
    }

    /** A later value of a name replaces an earlier one, as Jackson reads it. */
    private void put(int slot, String name, Object value) {
        if (slot >= 0) {
            known[slot] = value;
        } else {
            if (others == null) {
                others = new HashMap<>();
            }
            others.put(name, value);
        }
    }

    private Object get(String field) {
        int slot = FlatBytes.Names.slot(field);
        return slot >= 0 ? known[slot] : others == null ? null : others.get(field);
    }

    /**
     * Whether the record was read by the shortcut and has only names a result is written with,
     * each once: nothing in it that a verdict's record would name again or read otherwise.
     */
    boolean resultNames() {
        return resultNames;
    }

    /** The fields as Jackson reads them: the reading of any record. */
    static Map<String, Object> jackson(JsonFactory factory, byte[] data) throws BadRecordException {
        Map<String, Object> fields = new HashMap<>(48);
        try (JsonParser p = object(factory, data)) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                Object value = switch (v) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    case VALUE_NULL -> NULL;
                    default -> {
                        p.skipChildren();
                        yield CONTAINER;
                    }
                };
                fields.put(name, value);
            }
        } catch (IOException e) {
            throw new BadRecordException("not JSON");
        }
        return fields;
    }

    /**
     * A parser of {@code data} standing on the opening brace of its object, for the caller to
     * read the fields of and close; the errors are those of a record that is empty, not JSON, or
     * not an object.
     */
    static JsonParser object(JsonFactory factory, byte[] data) throws BadRecordException, IOException {
        if (data == null || data.length == 0) {
            throw new BadRecordException("empty record");
        }
        JsonParser p = factory.createParser(data);
        try {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new BadRecordException("not JSON");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new BadRecordException("not a JSON object");
            }
            return p;
        } catch (BadRecordException | IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** A key field as the records carry it: {@code <field>_b64} (when present) over the text. */
    static RedisKey key(String field, String text, String b64) throws BadRecordException {
        if (b64 != null) {
            byte[] k;
            try {
                k = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new BadRecordException("'" + field + "_b64' is not base64");
            }
            if (k.length == 0) {
                throw new BadRecordException("'" + field + "_b64' is empty");
            }
            return RedisKey.of(k);
        }
        if (text == null) {
            throw new BadRecordException("missing '" + field + "'");
        }
        if (text.isEmpty()) {
            throw new BadRecordException("'" + field + "' is empty");
        }
        return RedisKey.of(text);
    }

    boolean has(String field) {
        return get(field) != null;
    }

    /** A string field that must be there. */
    String req(String field) throws BadRecordException {
        if (!(get(field) instanceof String s)) {
            throw new BadRecordException("missing '" + field + "'");
        }
        return s;
    }

    /** A field as text, or null when missing or null. */
    String opt(String field) {
        Object v = get(field);
        return v == null || v == NULL ? null : text(field);
    }

    private String text(String field) {
        Object v = get(field);
        if (v == null || v == CONTAINER) {
            return "";
        }
        if (v == NULL) {
            return "null";
        }
        if (v instanceof Double d) {
            return Double.toString(d);
        }
        return v.toString();
    }

    long asLong(String field, long otherwise) {
        Object v = get(field);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }

    RedisKey reqKey(String field) throws BadRecordException {
        return key(field, get(field) instanceof String s ? s : null,
                get(field + "_b64") instanceof String b64 ? b64 : null);
    }
}
