package io.keyferry.core.hash;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * RFC 8785 (JCS) canonical JSON: object members sorted by their UTF-16 code units, recursively;
 * no insignificant white space; numbers in the ECMAScript shortest form; strings with the
 * minimal escapes. Two values that differ only in formatting canonicalize to the same bytes.
 */
public final class CanonicalJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private CanonicalJson() {
    }

    /** The canonical bytes when {@code raw} is one complete JSON text in valid UTF-8, else empty. */
    public static Optional<byte[]> canonicalize(byte[] raw) {
        if (raw.length == 0 || !looksLikeJson(raw)) {
            return Optional.empty();
        }
        if (!io.keyferry.core.model.RedisKey.Utf8.isValid(raw)) {
            return Optional.empty();
        }
        try (JsonParser p = FACTORY.createParser(raw)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return Optional.empty();
            }
            StringBuilder out = new StringBuilder(raw.length);
            write(p, first, out);
            if (p.nextToken() != null) {
                return Optional.empty();
            }
            return Optional.of(out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    // A cheap pre-check: most non-JSON strings are rejected without starting a parser.
    private static boolean looksLikeJson(byte[] raw) {
        for (byte b : raw) {
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            }
            return b == '{' || b == '[' || b == '"' || b == '-' || (b >= '0' && b <= '9')
                    || b == 't' || b == 'f' || b == 'n';
        }
        return false;
    }

    private static void write(JsonParser p, JsonToken t, StringBuilder out) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, String> members = new TreeMap<>(); // String order is UTF-16 code-unit order
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    StringBuilder value = new StringBuilder();
                    write(p, p.nextToken(), value);
                    members.put(name, value.toString());
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, String> e : members.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(e.getKey(), out);
                    out.append(':').append(e.getValue());
                }
                out.append('}');
            }
            case START_ARRAY -> {
                out.append('[');
                boolean first = true;
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(p, v, out);
                }
                out.append(']');
            }
            case VALUE_STRING -> string(p.getText(), out);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.append(exactNumber(p));
            case VALUE_TRUE -> out.append("true");
            case VALUE_FALSE -> out.append("false");
            case VALUE_NULL -> out.append("null");
            default -> throw new IOException("unexpected token " + t);
        }
    }

    /**
     * RFC 8785 reads every number as a double. Where that would make different values hash
     * alike, the text is not canonicalized at all and hashes as its raw bytes, so the migrator
     * never calls a differing target "already_match": an integer a double cannot hold exactly
     * (ids like 12345678901234567890), or a fraction written with more digits than a double has.
     * 1.50 and 1.5 are the same number and still canonicalize alike, as RFC 8785 wants.
     */
    private static String exactNumber(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            // the common case, without BigDecimal: an integer a double holds exactly prints as its
            // digits (ECMAScript does so below 10^21), and -0 as 0
            long v = p.getLongValue();
            if (v >= -(1L << 53) && v <= 1L << 53) {
                return Long.toString(v);
            }
        }
        java.math.BigDecimal written = p.getDecimalValue();
        double d = written.doubleValue();
        if (Double.isInfinite(d) || (d == 0 && written.signum() != 0)) {
            throw new IOException("number out of double range");
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            if (new java.math.BigDecimal(d).compareTo(written) != 0) {
                throw new IOException("integer not exact as a double");
            }
        } else if (written.stripTrailingZeros().precision() > 17) {
            throw new IOException("more digits than a double holds");
        }
        return number(d);
    }

    static void string(String s, StringBuilder out) throws IOException {
        boolean plain = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // RFC 8785 rejects lone surrogates: UTF-8 cannot carry them, they would collapse to '?'
                throw new IOException("lone surrogate");
            } else if (c < 0x20 || c == '"' || c == '\\') {
                plain = false;
            }
        }
        if (plain) {
            // the common case, and this runs for every string of every JSON value hashed
            out.append('"').append(s).append('"');
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * The shortest decimal that reads back as {@code d}, closest to it when several are as short.
     * Double.toString is not always shortest before JDK 19, so the digits are searched for here.
     */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int p = 1; p < 17; p++) {
            BigDecimal candidate = exact.round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == d) {
                return candidate.stripTrailingZeros();
            }
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    /** ECMAScript Number.prototype.toString for a finite double (RFC 8785 section 3.2.2.3). */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new NumberFormatException("not a JSON number");
        }
        if (d == 0) {
            return "0";
        }
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = shortest(Math.abs(d));
        String digits = bd.unscaledValue().toString();
        int k = digits.length();
        int n = k - bd.scale(); // value = 0.digits * 10^n
        StringBuilder s = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            s.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            s.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            s.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int e = n - 1;
            s.append(digits.charAt(0));
            if (k > 1) {
                s.append('.').append(digits, 1, k);
            }
            s.append('e').append(e < 0 ? "-" : "+").append(Math.abs(e));
        }
        return s.toString();
    }
}
