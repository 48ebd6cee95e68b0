package io.keyferry.core.model;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Redis key: arbitrary bytes. Keys are compared, hashed and carried as bytes so that a
 * non-UTF-8 key round-trips exactly; {@link #display()} is for people and reports only.
 */
public final class RedisKey implements Comparable<RedisKey> {
    private final byte[] bytes;
    /** 0 not known yet, 1 UTF-8, 2 not: asked of every key each time a record is written. */
    private byte utf8;

    private RedisKey(byte[] bytes) {
        this.bytes = bytes;
    }

    public static RedisKey of(byte[] bytes) {
        return new RedisKey(bytes.clone());
    }

    public static RedisKey of(String text) {
        return new RedisKey(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes, copied: callers may not change a key. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The bytes without a copy, for hot paths that only read them. */
    public byte[] unsafeBytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isUtf8() {
        if (utf8 == 0) {
            utf8 = Utf8.isValid(bytes) ? (byte) 1 : (byte) 2;
        }
        return utf8 == 1;
    }

    /**
     * The key as text: the UTF-8 string when the bytes are valid UTF-8, otherwise redis-cli style
     * escapes ({@code \xff}, and {@code \\} for a backslash) so the form is printable. A UTF-8 key
     * that literally spells such an escape looks the same: reports that must tell them apart
     * carry the bytes too (the JSON forms' {@code key_b64}).
     */
    public String display() {
        if (isUtf8()) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(RedisKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return display();
    }

    /** Strict UTF-8 validation (no replacement characters). */
    public static final class Utf8 {
        private Utf8() {
        }

        public static boolean isValid(byte[] b) {
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b));
                return true;
            } catch (CharacterCodingException e) {
                return false;
            }
        }
    }
}
