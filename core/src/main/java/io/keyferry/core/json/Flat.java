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
 * A record whose fields are all top-level scalars (results, verdicts), read with a streaming
 * parser into plain values instead of a tree: every key's result and verdict are decoded. The
 * accessors read fields as {@link Json}'s tree-based ones do ({@code JsonNode.asText()},
 * {@code asLong()}); a later value of a name replaces an earlier one.
 */
final class Flat {
    /** What a nested object or array reads as: Jackson's {@code asText()} of a container. */
    private static final Object CONTAINER = new Object();
    private static final Object NULL = new Object();

    private final Map<String, Object> fields;

    private Flat(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Parses and checks it is a record of {@code kind}, with the same errors as {@code Json.parse}. */
    static Flat parse(JsonFactory factory, byte[] data, String kind) throws BadRecordException {
        Flat f = new Flat(read(factory, data));
        if (f.asLong("v", 0) != Json.VERSION || !kind.equals(f.opt("record"))) {
            throw new BadRecordException("not a keyferry " + kind + " record (v " + Json.VERSION + ")");
        }
        return f;
    }

    private static Map<String, Object> read(JsonFactory factory, byte[] data) throws BadRecordException {
        Map<String, Object> fields = new HashMap<>(48);
        try (JsonParser p = object(factory, data)) {
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                Object value = switch (v) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    case VALUE_NULL -> NULL;
                    case START_OBJECT -> texts(p);
                    default -> {
                        p.skipChildren();
                        yield CONTAINER;
                    }
                };
                fields.put(name, value);
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new BadRecordException("not JSON");
            }
        } catch (IOException e) {
            throw new BadRecordException("not JSON");
        }
        return fields;
    }

    /** An object of texts (a result's names), or CONTAINER when it holds anything but scalars. */
    private static Object texts(JsonParser p) throws IOException {
        Map<String, String> texts = new java.util.TreeMap<>();
        boolean scalars = true;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            if (!t.isScalarValue()) {
                p.skipChildren();
                scalars = false;
            } else if (t != JsonToken.VALUE_NULL) {
                texts.put(name, text(p, t));
            }
        }
        return scalars ? new Texts(java.util.Collections.unmodifiableMap(texts)) : CONTAINER;
    }

    /** A nested object of texts. */
    private record Texts(Map<String, String> map) {
    }

    /** The nested object of texts {@code field}, or empty when missing or not one. */
    Map<String, String> texts(String field) {
        return fields.get(field) instanceof Texts t ? t.map() : Map.of();
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

    /** The scalar the parser stands on as {@code JsonNode.asText()} reads it. */
    static String text(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NULL -> "null";
            case VALUE_NUMBER_FLOAT -> text(p.getNumberValue());
            default -> p.getText();
        };
    }

    /** The scalar the parser stands on as {@code JsonNode.asLong(otherwise)} reads it. */
    static long asLong(JsonParser p, JsonToken t, long otherwise) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue().longValue();
            case VALUE_TRUE -> 1;
            case VALUE_FALSE -> 0;
            case VALUE_STRING -> parseLong(p.getText(), otherwise);
            default -> otherwise;
        };
    }

    private static long parseLong(String s, long otherwise) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static String text(Object v) {
        return v instanceof Double d ? Double.toString(d) : v.toString();
    }

    boolean has(String field) {
        return fields.get(field) != null;
    }

    /** A string field that must be there. */
    String req(String field) throws BadRecordException {
        if (!(fields.get(field) instanceof String s)) {
            throw new BadRecordException("missing '" + field + "'");
        }
        return s;
    }

    /** A field as text, or null when missing or null. */
    String opt(String field) {
        Object v = fields.get(field);
        if (v == null || v == NULL) {
            return null;
        }
        return v == CONTAINER || v instanceof Texts ? "" : text(v);
    }

    long asLong(String field, long otherwise) {
        Object v = fields.get(field);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof String s) {
            return parseLong(s, otherwise);
        }
        return otherwise;
    }

    RedisKey reqKey(String field) throws BadRecordException {
        return key(field, fields.get(field) instanceof String s ? s : null,
                fields.get(field + "_b64") instanceof String b64 ? b64 : null);
    }
}
