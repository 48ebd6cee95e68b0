package io.keyferry.redis;

import io.keyferry.core.hash.KeyValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The encodings a Redis 7 server does not write any more (ziplists), and payloads that do not
 * add up, built byte by byte; what Redis 7 writes is checked against a real server in
 * {@code DumpPayloadIT}.
 */
class DumpPayloadTest {
    /** A ziplist of Redis 6 with every entry encoding: strings of 6, 14 and 32-bit lengths, and each integer width. */
    private static byte[] ziplistOfEveryEncoding() {
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        entry(entries, concat(new byte[] {0x02}, "ab".getBytes(StandardCharsets.US_ASCII))); // 6-bit length
        entry(entries, 0xf8); // 7, held in the encoding itself
        entry(entries, 0xc0, 0x2c, 0x01); // int16 300
        entry(entries, 0xfe, 0xfb); // int8 -5
        entry(entries, 0xf0, 0xa0, 0x86, 0x01); // int24 100000
        entry(entries, 0xd0, 0x90, 0xee, 0xfe, 0xff); // int32 -70000
        entry(entries, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0); // int64 2^40
        byte[] seventy = "x".repeat(70).getBytes(StandardCharsets.US_ASCII);
        entry(entries, concat(new byte[] {0x40, 70}, seventy)); // 14-bit length
        entry(entries, concat(new byte[] {(byte) 0x80, 0, 0, 0, 3}, "xyz".getBytes(StandardCharsets.US_ASCII))); // 32-bit length
        return ziplist(entries.toByteArray(), 9);
    }

    @Test
    void aZiplistOfEveryEncodingReadsAsItsElementsWithIntegersAsDecimalText() {
        List<byte[]> items = DumpPayload.ziplist(ziplistOfEveryEncoding());
        List<String> text = new ArrayList<>();
        items.forEach(b -> text.add(new String(b, StandardCharsets.US_ASCII)));
        assertEquals(List.of("ab", "7", "300", "-5", "100000", "-70000", Long.toString(1L << 40), "x".repeat(70), "xyz"), text);
    }

    @Test
    void aRedis6HashListAndSortedSetAsZiplistsAreRead() {
        ByteArrayOutputStream hash = new ByteArrayOutputStream();
        entry(hash, 0x01, 'f');
        entry(hash, 0x01, 'v');
        entry(hash, 0x01, 'n');
        entry(hash, 0xf3); // 2
        KeyValue h = DumpPayload.value(payload(13, rdbString(ziplist(hash.toByteArray(), 4))));
        KeyValue.HashValue hv = assertInstanceOf(KeyValue.HashValue.class, h);
        assertEquals(2, hv.fields().size());
        assertArrayEquals(b("n"), hv.fields().get(1).name());
        assertArrayEquals(b("2"), hv.fields().get(1).value());

        ByteArrayOutputStream zset = new ByteArrayOutputStream();
        entry(zset, 0x01, 'a');
        entry(zset, concat(new byte[] {0x04}, b("-1.5")));
        entry(zset, 0x01, 'b');
        entry(zset, 0xf4); // 3
        KeyValue.ZSetValue z = assertInstanceOf(KeyValue.ZSetValue.class,
                DumpPayload.value(payload(12, rdbString(ziplist(zset.toByteArray(), 4)))));
        assertEquals(-1.5, z.members().get(0).score());
        assertEquals(3.0, z.members().get(1).score());

        // a quicklist of Redis 3.2 to 6.2: nodes, each a ziplist
        byte[] node = ziplist(concatEntries(new int[] {0x01, 'q'}), 1);
        byte[] quicklist = concat(new byte[] {14, 2}, rdbString(node), rdbString(node));
        KeyValue.ListValue l = assertInstanceOf(KeyValue.ListValue.class, DumpPayload.value(withFooter(quicklist)));
        assertEquals(2, l.items().size());
        assertArrayEquals(b("q"), l.items().get(1));
    }

    @Test
    void intsetsOfEachWidthReadInOrder() {
        byte[] two = {2, 0, 0, 0, 2, 0, 0, 0, (byte) 0xff, (byte) 0xff, 5, 0};
        assertEquals(List.of("-1", "5"), text(DumpPayload.intset(two)));
        byte[] eight = {8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80};
        assertEquals(List.of(Long.toString(Long.MIN_VALUE)), text(DumpPayload.intset(eight)));
    }

    @Test
    void lzfBackReferencesThatOverlapWhatTheyWriteAreCopiedByteByByte() {
        // literal "ab", then a back reference of 6 bytes at distance 2: "abababab"
        byte[] compressed = {1, 'a', 'b', (byte) (4 << 5), 1};
        assertEquals("abababab", new String(DumpPayload.Lzf.decompress(compressed, 0, compressed.length, 8), StandardCharsets.US_ASCII));
        byte[] string = concat(new byte[] {0, (byte) 0xc3, (byte) compressed.length, 8}, compressed);
        KeyValue.StringValue s = assertInstanceOf(KeyValue.StringValue.class, DumpPayload.value(withFooter(string)));
        assertArrayEquals(b("abababab"), s.value());
    }

    @Test
    void aPayloadThatDoesNotAddUpOrIsOfAnUnknownTypeIsNotRead() {
        byte[] good = payload(0, rdbString(b("hello")));
        assertArrayEquals(b("hello"), ((KeyValue.StringValue) DumpPayload.value(good)).value());
        assertNull(DumpPayload.value(payload(0, concat(rdbString(b("hello")), new byte[] {1})))); // left over
        assertNull(DumpPayload.value(payload(0, new byte[] {5, 'h', 'e'}))); // cut short
        assertNull(DumpPayload.value(payload(6, rdbString(b("module"))))); // a module's type
        assertNull(DumpPayload.value(payload(21, rdbString(b("stream"))))); // a stream
        assertNull(DumpPayload.value(payload(13, rdbString(ziplist(concatEntries(new int[] {0x01, 'f'}), 1))))); // a field alone
        assertNull(DumpPayload.value(payload(13, rdbString(ziplist(concatEntries(new int[] {0x01, 'f'}, new int[] {0x01, 'v'}), 3)))));
        assertNull(DumpPayload.value(payload(0, new byte[] {(byte) 0xc3, 9, 8, 1, 'a'}))); // LZF reaching past its end
        assertNull(DumpPayload.value(new byte[3]));
        assertNull(DumpPayload.value(null));
    }

    // ---- building payloads -------------------------------------------------------------------

    private static byte[] payload(int type, byte[] body) {
        return withFooter(concat(new byte[] {(byte) type}, body));
    }

    /** RDB version and CRC64: not checked here (the server that made the payload checked them). */
    private static byte[] withFooter(byte[] object) {
        return concat(object, new byte[10]);
    }

    private static byte[] rdbString(byte[] s) {
        if (s.length >= 64) {
            return concat(new byte[] {(byte) (0x40 | s.length >> 8), (byte) s.length}, s);
        }
        return concat(new byte[] {(byte) s.length}, s);
    }

    private static byte[] ziplist(byte[] entries, int count) {
        int total = 10 + entries.length + 1;
        byte[] head = {(byte) total, (byte) (total >> 8), 0, 0, 0, 0, 0, 0, (byte) count, (byte) (count >> 8)};
        return concat(head, entries, new byte[] {(byte) 0xff});
    }

    private static byte[] concatEntries(int[]... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] e : entries) {
            entry(out, e);
        }
        return out.toByteArray();
    }

    /** An entry with a one-byte previous length (the reader only steps over it). */
    private static void entry(ByteArrayOutputStream out, int... bytes) {
        out.write(0);
        for (int b : bytes) {
            out.write(b);
        }
    }

    private static void entry(ByteArrayOutputStream out, byte[] bytes) {
        out.write(0);
        out.writeBytes(bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<String> text(List<byte[]> items) {
        List<String> out = new ArrayList<>();
        items.forEach(b -> out.add(new String(b, StandardCharsets.US_ASCII)));
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
