package io.keyferry.redis;

import io.keyferry.core.hash.KeyValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The value inside a DUMP payload, read in the JVM: in {@code --copy dump} the source is then
 * read once, as its payload, instead of as its payload and its value besides (the value read
 * and its return from a script cost the source redis-server about as much as the rest of the
 * read). Knows the object types and encodings of RDB versions up to Redis 7.2 and Valkey 8:
 * strings (raw, integer, LZF), hashes, sets, sorted sets and lists as listpacks, ziplists,
 * intsets, quicklists and plain tables. Anything else — a stream, a module's type, a hash with
 * field expiries, an encoding it does not know, a payload that does not add up — gives null,
 * and the caller reads the value from the server instead.
 *
 * <p>Elements come in the order the server's own reads give them (HGETALL, SMEMBERS, ZRANGE,
 * LRANGE), so the value's fingerprint is the one a later read finds; a sorted set saved as a
 * skiplist is stored from its greatest element down, and is put back in ZRANGE's order.
 */
final class DumpPayload {
    private static final int STRING = 0;
    private static final int LIST = 1;
    private static final int SET = 2;
    private static final int ZSET = 3;
    private static final int HASH = 4;
    private static final int ZSET_2 = 5;
    private static final int LIST_ZIPLIST = 10;
    private static final int SET_INTSET = 11;
    private static final int ZSET_ZIPLIST = 12;
    private static final int HASH_ZIPLIST = 13;
    private static final int LIST_QUICKLIST = 14;
    private static final int HASH_LISTPACK = 16;
    private static final int ZSET_LISTPACK = 17;
    private static final int LIST_QUICKLIST_2 = 18;
    private static final int SET_LISTPACK = 20;
    /** RDB version, CRC64: the payload's last ten bytes. */
    private static final int FOOTER = 10;

    private final byte[] in;
    private final int end;
    private int at;

    private DumpPayload(byte[] in) {
        this.in = in;
        this.end = in.length - FOOTER;
    }

    /** The payload's value, or null when it is not one this reader knows (see above). */
    static KeyValue value(byte[] payload) {
        if (payload == null || payload.length <= FOOTER) {
            return null;
        }
        try {
            DumpPayload p = new DumpPayload(payload);
            KeyValue v = p.object(payload[0] & 0xff);
            return v != null && p.at == p.end ? v : null;
        } catch (Malformed | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private KeyValue object(int type) {
        at = 1;
        switch (type) {
            case STRING:
                return new KeyValue.StringValue(string());
            case LIST:
            case SET: {
                long n = length();
                List<byte[]> items = new ArrayList<>(capacity(n));
                for (long i = 0; i < n; i++) {
                    items.add(string());
                }
                return type == LIST ? new KeyValue.ListValue(items) : new KeyValue.SetValue(items);
            }
            case ZSET:
            case ZSET_2: {
                long n = length();
                List<KeyValue.Scored> members = new ArrayList<>(capacity(n));
                for (long i = 0; i < n; i++) {
                    byte[] member = string();
                    members.add(new KeyValue.Scored(member, type == ZSET_2 ? binaryDouble() : textDouble()));
                }
                members.sort(DumpPayload::zrangeOrder);
                return new KeyValue.ZSetValue(members);
            }
            case HASH: {
                long n = length();
                List<KeyValue.Field> fields = new ArrayList<>(capacity(n));
                for (long i = 0; i < n; i++) {
                    fields.add(new KeyValue.Field(string(), string()));
                }
                return new KeyValue.HashValue(fields);
            }
            case SET_INTSET:
                return new KeyValue.SetValue(intset(string()));
            case SET_LISTPACK:
                return new KeyValue.SetValue(listpack(string()));
            case HASH_LISTPACK:
                return hash(listpack(string()));
            case HASH_ZIPLIST:
                return hash(ziplist(string()));
            case ZSET_LISTPACK:
                return zset(listpack(string()));
            case ZSET_ZIPLIST:
                return zset(ziplist(string()));
            case LIST_ZIPLIST:
                return new KeyValue.ListValue(ziplist(string()));
            case LIST_QUICKLIST: {
                long nodes = length();
                List<byte[]> items = new ArrayList<>();
                for (long i = 0; i < nodes; i++) {
                    items.addAll(ziplist(string()));
                }
                return new KeyValue.ListValue(items);
            }
            case LIST_QUICKLIST_2: {
                long nodes = length();
                List<byte[]> items = new ArrayList<>();
                for (long i = 0; i < nodes; i++) {
                    long container = length();
                    if (container == 1) { // a plain node: one element as it is
                        items.add(string());
                    } else if (container == 2) {
                        items.addAll(listpack(string()));
                    } else {
                        throw new Malformed();
                    }
                }
                return new KeyValue.ListValue(items);
            }
            default:
                return null;
        }
    }

    // ---- RDB's own encodings ------------------------------------------------------------

    /** A length; an "encoded" one (a special string form) is refused here. */
    private long length() {
        int b = in[at++] & 0xff;
        switch (b >> 6) {
            case 0:
                return b & 0x3f;
            case 1:
                return (b & 0x3f) << 8 | in[at++] & 0xff;
            case 2:
                if (b == 0x80) {
                    return bigEndian(4);
                }
                if (b == 0x81) {
                    long n = bigEndian(8);
                    if (n < 0) {
                        throw new Malformed();
                    }
                    return n;
                }
                throw new Malformed();
            default:
                throw new Malformed();
        }
    }

    /** A string: raw, an integer stored as such (read back as its decimal text), or LZF-compressed. */
    private byte[] string() {
        int b = in[at] & 0xff;
        if (b >> 6 != 3) {
            int n = checkedLength(length());
            byte[] s = Arrays.copyOfRange(in, at, at + n);
            at += n;
            return s;
        }
        at++;
        switch (b & 0x3f) {
            case 0:
                return decimal(in[at++]);
            case 1: {
                long v = (short) littleEndian(2);
                return decimal(v);
            }
            case 2: {
                long v = (int) littleEndian(4);
                return decimal(v);
            }
            case 3: {
                int compressed = checkedLength(length());
                int n = checkedLength(length());
                byte[] out = Lzf.decompress(in, at, compressed, n);
                at += compressed;
                return out;
            }
            default:
                throw new Malformed();
        }
    }

    /** A sorted set's score in the old text form: a length byte, or 253-255 for nan, +inf, -inf. */
    private double textDouble() {
        int n = in[at++] & 0xff;
        switch (n) {
            case 253:
                return Double.NaN;
            case 254:
                return Double.POSITIVE_INFINITY;
            case 255:
                return Double.NEGATIVE_INFINITY;
            default:
                String text = new String(in, at, n, StandardCharsets.US_ASCII);
                at += n;
                return Replies.parseScore(text);
        }
    }

    private double binaryDouble() {
        return Double.longBitsToDouble(littleEndian(8));
    }

    // ---- packed containers (blobs stored as strings) -------------------------------------

    /** A listpack's elements, integers as decimal text. */
    static List<byte[]> listpack(byte[] lp) {
        if (lp.length < 7 || (int) littleEndian(lp, 0, 4) != lp.length) {
            throw new Malformed();
        }
        int count = (int) littleEndian(lp, 4, 2);
        List<byte[]> out = new ArrayList<>(count == 0xffff ? 16 : count);
        int p = 6;
        while (true) {
            int e = lp[p] & 0xff;
            if (e == 0xff) {
                break;
            }
            int size; // the entry's encoding and data, without its back-length
            if ((e & 0x80) == 0) {
                out.add(decimal(e & 0x7f));
                size = 1;
            } else if ((e & 0xc0) == 0x80) {
                int n = e & 0x3f;
                out.add(Arrays.copyOfRange(lp, p + 1, p + 1 + n));
                size = 1 + n;
            } else if ((e & 0xe0) == 0xc0) {
                int v = (e & 0x1f) << 8 | lp[p + 1] & 0xff;
                out.add(decimal(v >= 1 << 12 ? v - (1 << 13) : v));
                size = 2;
            } else if ((e & 0xf0) == 0xe0) {
                int n = (e & 0x0f) << 8 | lp[p + 1] & 0xff;
                out.add(Arrays.copyOfRange(lp, p + 2, p + 2 + n));
                size = 2 + n;
            } else if (e == 0xf0) {
                int n = checkedLength(littleEndian(lp, p + 1, 4));
                out.add(Arrays.copyOfRange(lp, p + 5, p + 5 + n));
                size = 5 + n;
            } else if (e >= 0xf1 && e <= 0xf4) {
                int bytes = e == 0xf1 ? 2 : e == 0xf2 ? 3 : e == 0xf3 ? 4 : 8;
                out.add(decimal(signed(littleEndian(lp, p + 1, bytes), bytes)));
                size = 1 + bytes;
            } else {
                throw new Malformed();
            }
            p += size + backlenSize(size);
        }
        if (p != lp.length - 1 || (count != 0xffff && count != out.size())) {
            throw new Malformed();
        }
        return out;
    }

    private static int backlenSize(int size) {
        return size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5;
    }

    /** A ziplist's elements (Redis before 7), integers as decimal text. */
    static List<byte[]> ziplist(byte[] zl) {
        if (zl.length < 11 || (int) littleEndian(zl, 0, 4) != zl.length) {
            throw new Malformed();
        }
        int count = (int) littleEndian(zl, 8, 2);
        List<byte[]> out = new ArrayList<>(count == 0xffff ? 16 : count);
        int p = 10;
        while ((zl[p] & 0xff) != 0xff) {
            p += (zl[p] & 0xff) < 254 ? 1 : 5; // the previous entry's length
            int e = zl[p] & 0xff;
            switch (e >> 6) {
                case 0 -> {
                    int n = e & 0x3f;
                    out.add(Arrays.copyOfRange(zl, p + 1, p + 1 + n));
                    p += 1 + n;
                }
                case 1 -> {
                    int n = (e & 0x3f) << 8 | zl[p + 1] & 0xff;
                    out.add(Arrays.copyOfRange(zl, p + 2, p + 2 + n));
                    p += 2 + n;
                }
                case 2 -> {
                    int n = checkedLength(bigEndian(zl, p + 1, 4));
                    out.add(Arrays.copyOfRange(zl, p + 5, p + 5 + n));
                    p += 5 + n;
                }
                default -> {
                    int bytes = switch (e) {
                        case 0xc0 -> 2;
                        case 0xd0 -> 4;
                        case 0xe0 -> 8;
                        case 0xf0 -> 3;
                        case 0xfe -> 1;
                        default -> 0;
                    };
                    if (bytes > 0) {
                        out.add(decimal(signed(littleEndian(zl, p + 1, bytes), bytes)));
                    } else if (e >= 0xf1 && e <= 0xfd) {
                        out.add(decimal((e & 0x0f) - 1)); // 0 to 12, in the encoding itself
                    } else {
                        throw new Malformed();
                    }
                    p += 1 + bytes;
                }
            }
        }
        if (p != zl.length - 1 || (count != 0xffff && count != out.size())) {
            throw new Malformed();
        }
        return out;
    }

    /** An intset's members in its (ascending) order, as decimal text. */
    static List<byte[]> intset(byte[] is) {
        int width = (int) littleEndian(is, 0, 4);
        long n = littleEndian(is, 4, 4);
        if ((width != 2 && width != 4 && width != 8) || n < 0 || 8 + n * width != is.length) {
            throw new Malformed();
        }
        List<byte[]> out = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            out.add(decimal(signed(littleEndian(is, 8 + i * width, width), width)));
        }
        return out;
    }

    private static KeyValue.HashValue hash(List<byte[]> flat) {
        if (flat.size() % 2 != 0) {
            throw new Malformed();
        }
        List<KeyValue.Field> fields = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i < flat.size(); i += 2) {
            fields.add(new KeyValue.Field(flat.get(i), flat.get(i + 1)));
        }
        return new KeyValue.HashValue(fields);
    }

    /** Member and score alternating, in ZRANGE's order already (a packed sorted set is kept sorted). */
    private static KeyValue.ZSetValue zset(List<byte[]> flat) {
        if (flat.size() % 2 != 0) {
            throw new Malformed();
        }
        List<KeyValue.Scored> members = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i < flat.size(); i += 2) {
            try {
                members.add(new KeyValue.Scored(flat.get(i),
                        Replies.parseScore(new String(flat.get(i + 1), StandardCharsets.US_ASCII))));
            } catch (NumberFormatException e) {
                throw new Malformed();
            }
        }
        return new KeyValue.ZSetValue(members);
    }

    /** ZRANGE's order: by score, then by member bytes. */
    private static int zrangeOrder(KeyValue.Scored a, KeyValue.Scored b) {
        int c = Double.compare(a.score(), b.score());
        return c != 0 ? c : Arrays.compareUnsigned(a.member(), b.member());
    }

    // ---- bytes ------------------------------------------------------------------------------

    private long littleEndian(int bytes) {
        long v = littleEndian(in, at, bytes);
        at += bytes;
        return v;
    }

    private long bigEndian(int bytes) {
        long v = bigEndian(in, at, bytes);
        at += bytes;
        return v;
    }

    private static long littleEndian(byte[] b, int from, int bytes) {
        if (from + bytes > b.length) {
            throw new Malformed();
        }
        long v = 0;
        for (int i = bytes - 1; i >= 0; i--) {
            v = v << 8 | b[from + i] & 0xff;
        }
        return v;
    }

    private static long bigEndian(byte[] b, int from, int bytes) {
        if (from + bytes > b.length) {
            throw new Malformed();
        }
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = v << 8 | b[from + i] & 0xff;
        }
        return v;
    }

    /** {@code v}'s low {@code bytes} bytes as a signed number. */
    private static long signed(long v, int bytes) {
        int shift = 64 - 8 * bytes;
        return v << shift >> shift;
    }

    private static int checkedLength(long n) {
        if (n < 0 || n > Integer.MAX_VALUE - 16) {
            throw new Malformed();
        }
        return (int) n;
    }

    private static int capacity(long n) {
        return (int) Math.min(n, 1 << 16);
    }

    private static byte[] decimal(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /** A payload that does not read as what its type says. */
    static final class Malformed extends RuntimeException {
        Malformed() {
            super(null, null, false, false);
        }
    }

    /** LZF, as Redis compresses strings in RDB (lzf_d.c). */
    static final class Lzf {
        private Lzf() {
        }

        static byte[] decompress(byte[] in, int from, int length, int outLength) {
            byte[] out = new byte[outLength];
            int ip = from;
            int inEnd = from + length;
            int op = 0;
            if (inEnd > in.length) {
                throw new Malformed();
            }
            while (ip < inEnd) {
                int ctrl = in[ip++] & 0xff;
                if (ctrl < 32) { // a literal run of ctrl + 1 bytes
                    int n = ctrl + 1;
                    if (op + n > outLength || ip + n > inEnd) {
                        throw new Malformed();
                    }
                    System.arraycopy(in, ip, out, op, n);
                    ip += n;
                    op += n;
                } else { // a back reference: length, then distance
                    int n = ctrl >> 5;
                    if (n == 7) {
                        n += in[ip++] & 0xff;
                    }
                    int ref = op - ((ctrl & 0x1f) << 8) - 1 - (in[ip++] & 0xff);
                    n += 2;
                    if (ref < 0 || op + n > outLength || ip > inEnd) {
                        throw new Malformed();
                    }
                    for (int i = 0; i < n; i++) { // may overlap what it writes: byte by byte
                        out[op++] = out[ref++];
                    }
                }
            }
            if (op != outLength) {
                throw new Malformed();
            }
            return out;
        }
    }
}
