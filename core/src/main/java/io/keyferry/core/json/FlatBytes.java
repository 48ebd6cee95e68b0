package io.keyferry.core.json;

import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of a flat JSON object straight from its bytes, for the records every key
 * has (results and verdicts): a reading of them with Jackson was the verifier's and the
 * summary's largest cost. It reads only the form keyferry writes — ASCII strings without
 * escapes, integers of up to 18 digits, {@code true}, {@code false}, {@code null}, JSON white
 * space — and gives up on anything else ({@link #failed()}), for the caller to read the record
 * with Jackson instead: what it accepts, Jackson reads the same way, so the two never disagree.
 */
final class FlatBytes {
    enum Kind { STRING, INTEGER, TRUE, FALSE, NULL }

    private final byte[] b;
    private int at;
    private boolean first = true;
    private boolean failed;

    private String name;
    private int slot;
    private boolean resultNames = true;
    private Kind kind;
    private int from;
    private int to;
    private long integer;

    FlatBytes(byte[] data) {
        this.b = data;
        at = space(0);
        if (at >= b.length || b[at] != '{') {
            failed = true;
        } else {
            at++;
        }
    }

    /** Moves to the next field: false at the end of the object, or when it gave up. */
    boolean next() {
        if (failed) {
            return false;
        }
        at = space(at);
        if (at >= b.length) {
            return fail();
        }
        if (b[at] == '}') {
            return false;
        }
        if (!first) {
            if (b[at] != ',') {
                return fail();
            }
            at = space(at + 1);
        }
        first = false;
        int end = plainString(at);
        if (end < 0) {
            return fail();
        }
        slot = Names.slot(b, at + 1, end);
        name = slot >= 0 ? Names.TABLE[slot] : new String(b, at + 1, end - at - 1, StandardCharsets.ISO_8859_1);
        resultNames &= slot >= 0 && Names.OF_RESULTS[slot];
        at = space(end + 1);
        if (at >= b.length || b[at] != ':') {
            return fail();
        }
        at = space(at + 1);
        if (at >= b.length) {
            return fail();
        }
        byte c = b[at];
        from = at;
        if (c == '"') {
            end = plainString(at);
            if (end < 0) {
                return fail();
            }
            kind = Kind.STRING;
            from = at + 1;
            to = end;
            at = end + 1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int i = c == '-' ? at + 1 : at;
            int digits = i;
            long v = 0;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                v = v * 10 + (b[i] - '0');
                i++;
            }
            int count = i - digits;
            // a leading zero, a fraction or exponent, or more digits than a long surely holds: Jackson's to read
            if (count == 0 || count > 18 || (count > 1 && b[digits] == '0') || !delimiter(i)) {
                return fail();
            }
            kind = Kind.INTEGER;
            integer = c == '-' ? -v : v;
            to = i;
            at = i;
        } else if (literal("true")) {
            kind = Kind.TRUE;
        } else if (literal("false")) {
            kind = Kind.FALSE;
        } else if (literal("null")) {
            kind = Kind.NULL;
        } else {
            return fail(); // an object, an array, or not JSON
        }
        return true;
    }

    /** True when it gave up on the record (or it did not start as an object). */
    boolean failed() {
        return failed;
    }

    /** Whether every name read so far is one a result of this version writes. */
    boolean resultNames() {
        return resultNames;
    }

    /** The current field's name: one shared String for each name keyferry writes. */
    String name() {
        return name;
    }

    /** The current name's slot in {@link Names}, or -1 when it is not one keyferry writes. */
    int slot() {
        return slot;
    }

    Kind kind() {
        return kind;
    }

    /** The current value as text: a string's characters, or a literal's or integer's digits as written. */
    String text() {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    long integer() {
        return integer;
    }

    private boolean literal(String word) {
        int n = word.length();
        if (at + n > b.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b[at + i] != word.charAt(i)) {
                return false;
            }
        }
        if (!delimiter(at + n)) {
            return false;
        }
        to = at + n;
        at = to;
        return true;
    }

    /** What may follow a number or literal: white space, a comma, the closing brace. */
    private boolean delimiter(int i) {
        if (i >= b.length) {
            return false;
        }
        byte c = b[i];
        return c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /**
     * Where the string that opens at {@code i} closes, or -1 when it is not one this reads: only
     * printable ASCII without escapes.
     */
    private int plainString(int i) {
        if (i >= b.length || b[i] != '"') {
            return -1;
        }
        for (int j = i + 1; j < b.length; j++) {
            byte c = b[j];
            if (c == '"') {
                return j;
            }
            if (c == '\\' || c < 0x20) { // bytes above 0x7f are negative
                return -1;
            }
        }
        return -1;
    }

    private int space(int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
            i++;
        }
        return i;
    }

    private boolean fail() {
        failed = true;
        return false;
    }

    /** The field names keyferry writes, each kept as one String, so reading a name allocates nothing. */
    static final class Names {
        private static final String[] KNOWN = {
            "v", "record", "run", "actor", "mode", "workspace", "key", "key_b64", "target_key", "target_key_b64",
            "type", "source_type", "source_size", "source_sha256", "source_ttl_ms", "source_digest",
            "target_type", "target_size", "target_sha256", "target_ttl_ms", "target_digest", "read_at_ms", "status",
            "reason", "message", "at_ms", "key_offset", "verdict", "kind", "detail", "time", "verified_at_ms", "offset",
        };
        /** {@link #KNOWN} up to here are the names a result is written with; the rest only a verdict's. */
        private static final String FIRST_OF_VERDICTS = "verdict";
        private static final int MASK = 127;
        static final int SLOTS = MASK + 1;
        private static final String[] TABLE = new String[SLOTS];
        /** Per slot of {@link #TABLE}: whether its name is one a result is written with. */
        private static final boolean[] OF_RESULTS = new boolean[SLOTS];

        static {
            boolean ofResults = true;
            for (String k : KNOWN) {
                ofResults &= !k.equals(FIRST_OF_VERDICTS);
                int h = k.hashCode() & MASK;
                while (TABLE[h] != null) {
                    h = (h + 1) & MASK;
                }
                TABLE[h] = k;
                OF_RESULTS[h] = ofResults;
            }
        }

        private Names() {
        }

        /** The slot in {@link #TABLE} of the name in {@code b[from, to)} (ASCII), or -1 when it is not one of ours. */
        static int slot(byte[] b, int from, int to) {
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + b[i]; // String.hashCode of ASCII text
            }
            for (int slot = h & MASK; TABLE[slot] != null; slot = (slot + 1) & MASK) {
                String k = TABLE[slot];
                if (k.hashCode() == h && same(k, b, from, to)) {
                    return slot;
                }
            }
            return -1;
        }

        /** The slot of {@code name}, or -1 when it is not one keyferry writes. */
        static int slot(String name) {
            int h = name.hashCode();
            for (int slot = h & MASK; TABLE[slot] != null; slot = (slot + 1) & MASK) {
                String k = TABLE[slot];
                if (k == name || k.hashCode() == h && k.equals(name)) {
                    return slot;
                }
            }
            return -1;
        }

        static String name(int slot) {
            return TABLE[slot];
        }

        private static boolean same(String k, byte[] b, int from, int to) {
            if (k.length() != to - from) {
                return false;
            }
            for (int i = 0; i < k.length(); i++) {
                if (k.charAt(i) != b[from + i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
