package io.keyferry.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * A collection's elements as read.lua packs them: one MessagePack array of strings
 * ({@code cmsgpack.pack}), so that the client decodes one reply instead of one per element,
 * the largest cost of the client's I/O threads otherwise.
 */
final class Packed {
    private final byte[] in;
    private int at;

    private Packed(byte[] in) {
        this.in = in;
    }

    /**
     * The elements of a packed array of strings, in order.
     *
     * @throws IllegalStateException for anything else (not what read.lua packs)
     */
    static List<byte[]> elements(byte[] packed) {
        Packed p = new Packed(packed);
        int n = p.arrayHeader();
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(p.string());
        }
        if (p.at != packed.length) {
            throw new IllegalStateException("packed value: " + (packed.length - p.at) + " bytes after its " + n + " elements");
        }
        return out;
    }

    private int arrayHeader() {
        int b = u8();
        if ((b & 0xf0) == 0x90) {
            return b & 0x0f;
        }
        return switch (b) {
            case 0xdc -> u16();
            case 0xdd -> length(u32());
            default -> throw unexpected(b, "an array");
        };
    }

    private byte[] string() {
        int b = u8();
        int len;
        if ((b & 0xe0) == 0xa0) {
            len = b & 0x1f;
        } else {
            len = switch (b) {
                case 0xd9, 0xc4 -> u8(); // str 8, bin 8
                case 0xda, 0xc5 -> u16();
                case 0xdb, 0xc6 -> length(u32());
                default -> throw unexpected(b, "a string");
            };
        }
        if (len > in.length - at) {
            throw new IllegalStateException("packed value: a string of " + len + " bytes runs past its end");
        }
        byte[] s = new byte[len];
        System.arraycopy(in, at, s, 0, len);
        at += len;
        return s;
    }

    private int u8() {
        if (at >= in.length) {
            throw new IllegalStateException("packed value: cut short at byte " + at);
        }
        return in[at++] & 0xff;
    }

    private int u16() {
        return (u8() << 8) | u8();
    }

    private long u32() {
        return ((long) u16() << 16) | u16();
    }

    private static int length(long n) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("packed value: a length of " + n);
        }
        return (int) n;
    }

    private IllegalStateException unexpected(int b, String wanted) {
        return new IllegalStateException(String.format("packed value: byte 0x%02x at %d where %s begins", b, at - 1, wanted));
    }
}
