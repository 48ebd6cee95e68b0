package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CanonicalStreamTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An entry from id and alternating field names and values. */
    private static KeyValue.StreamEntry entry(String id, String... kv) {
        List<KeyValue.Field> fields = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            fields.add(new KeyValue.Field(b(kv[i]), b(kv[i + 1])));
        }
        return new KeyValue.StreamEntry(b(id), fields);
    }

    private static KeyValue.StreamValue stream(KeyValue.StreamEntry... entries) {
        return new KeyValue.StreamValue(List.of(entries), b("9-9"), List.of());
    }

    private static void part(ByteArrayOutputStream out, byte[] p) {
        out.write(p.length >>> 24);
        out.write(p.length >>> 16);
        out.write(p.length >>> 8);
        out.write(p.length);
        out.writeBytes(p);
    }

    @Test
    void aStreamHashesItsTagThenEachEntrysIdFieldCountAndFieldsLengthPrefixed() throws Exception {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(b("stream\n"));
        part(expected, b("1-0"));
        part(expected, b("2"));
        part(expected, b("a"));
        part(expected, b("1"));
        part(expected, b("b"));
        part(expected, new byte[] {0, (byte) 0xff});
        part(expected, b("2-0"));
        part(expected, b("0"));
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected.toByteArray()));

        KeyValue.StreamEntry first = new KeyValue.StreamEntry(b("1-0"), List.of(
                new KeyValue.Field(b("a"), b("1")), new KeyValue.Field(b("b"), new byte[] {0, (byte) 0xff})));
        assertEquals(want, Canonical.sha256(stream(first, entry("2-0"))));
    }

    @Test
    void lastGeneratedIdAndGroupsAreBookkeepingAndDoNotChangeTheHash() {
        List<KeyValue.StreamEntry> entries = List.of(entry("1-0", "f", "v"));
        KeyValue.StreamValue plain = new KeyValue.StreamValue(entries, b("1-0"), List.of());
        KeyValue.StreamValue read = new KeyValue.StreamValue(entries, b("7-0"),
                List.of(new KeyValue.StreamGroup(b("g"), b("1-0"))));
        assertEquals(Canonical.sha256(plain), Canonical.sha256(read));
    }

    @Test
    void entryOrderIdsFieldOrderAndBoundariesMatter() {
        String base = Canonical.sha256(stream(entry("1-0", "a", "1"), entry("2-0", "b", "2")));
        assertNotEquals(base, Canonical.sha256(stream(entry("2-0", "b", "2"), entry("1-0", "a", "1"))));
        assertNotEquals(base, Canonical.sha256(stream(entry("1-1", "a", "1"), entry("2-0", "b", "2"))));
        assertNotEquals(Canonical.sha256(stream(entry("1-0", "a", "1", "b", "2"))),
                Canonical.sha256(stream(entry("1-0", "b", "2", "a", "1"))));
        assertNotEquals(Canonical.sha256(stream(entry("1-0", "ab", "c"))), Canonical.sha256(stream(entry("1-0", "a", "bc"))));
        // The same fields split differently across entries with the same ids is different content.
        assertNotEquals(Canonical.sha256(stream(entry("1-0", "a", "1", "b", "2"), entry("2-0"))),
                Canonical.sha256(stream(entry("1-0", "a", "1"), entry("2-0", "b", "2"))));
    }

    @Test
    void anEmptyStreamDiffersFromOtherEmptyCollections() {
        String empty = Canonical.sha256(stream());
        assertNotEquals(empty, Canonical.sha256(new KeyValue.ListValue(List.of())));
        assertNotEquals(empty, Canonical.sha256(new KeyValue.HashValue(List.of())));
    }

    @Test
    void sizeIsIdsPlusFieldNamesAndValues() {
        KeyValue.StreamValue v = stream(entry("1-0", "ab", "cde"), entry("20-1", "f", ""));
        assertEquals((3 + 2 + 3) + (4 + 1), Canonical.size(v));
        assertEquals(0, Canonical.size(stream()));
        assertEquals(new Side(KeyType.STREAM, 13, Canonical.sha256(v), -1, Canonical.fingerprint(v)), Canonical.side(v, -1));
    }
}
