package io.keyferry.core.hash;

import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Side;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CanonicalTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static KeyValue.StringValue str(String s) {
        return new KeyValue.StringValue(b(s));
    }

    private static KeyValue.HashValue hash(String... kv) {
        List<KeyValue.Field> fields = new java.util.ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            fields.add(new KeyValue.Field(b(kv[i]), b(kv[i + 1])));
        }
        return new KeyValue.HashValue(fields);
    }

    private static KeyValue.SetValue set(String... members) {
        return new KeyValue.SetValue(java.util.Arrays.stream(members).map(CanonicalTest::b).toList());
    }

    private static KeyValue.ListValue list(String... items) {
        return new KeyValue.ListValue(java.util.Arrays.stream(items).map(CanonicalTest::b).toList());
    }

    private static KeyValue.ZSetValue zset(Object... memberScore) {
        List<KeyValue.Scored> m = new java.util.ArrayList<>();
        for (int i = 0; i < memberScore.length; i += 2) {
            m.add(new KeyValue.Scored(b((String) memberScore[i]), ((Number) memberScore[i + 1]).doubleValue()));
        }
        return new KeyValue.ZSetValue(m);
    }

    @Test
    void plainStringHashesToTheSha256OfItsBytes() throws Exception {
        assertEquals(sha256(b("worker-3")), Canonical.sha256(str("worker-3")));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Canonical.sha256(new KeyValue.StringValue(new byte[0])));
    }

    @Test
    void binaryStringHashesToTheSha256OfItsBytes() throws Exception {
        byte[] raw = {(byte) 0xff, 0, 1, (byte) 0x80, '{'};
        assertEquals(sha256(raw), Canonical.sha256(new KeyValue.StringValue(raw)));
    }

    @Test
    void jsonStringHashesAsItsCanonicalForm() throws Exception {
        String canonical = "{\"a\":[1,2],\"b\":{\"c\":1}}";
        assertEquals(sha256(b(canonical)), Canonical.sha256(str(canonical)));
        assertEquals(sha256(b(canonical)), Canonical.sha256(str("{ \"b\" : { \"c\" : 1.0 },\n \"a\" : [1, 2] }")));
    }

    @Test
    void jsonStringsThatDifferInContentHashDifferently() {
        assertNotEquals(Canonical.sha256(str("{\"a\":[1,2]}")), Canonical.sha256(str("{\"a\":[2,1]}")));
        assertNotEquals(Canonical.sha256(str("{\"a\":1}")), Canonical.sha256(str("{\"a\":\"1\"}")));
    }

    @Test
    void invalidJsonLookalikeHashesAsRawBytes() throws Exception {
        String almost = "{\"a\":1,\"a\":2}";
        assertEquals(sha256(b(almost)), Canonical.sha256(str(almost)));
    }

    @Test
    void hashIsIndependentOfFieldOrder() {
        assertEquals(Canonical.sha256(hash("a", "1", "b", "2", "c", "3")), Canonical.sha256(hash("c", "3", "a", "1", "b", "2")));
    }

    @Test
    void hashDependsOnFieldValues() {
        assertNotEquals(Canonical.sha256(hash("a", "1", "b", "2")), Canonical.sha256(hash("a", "2", "b", "1")));
    }

    @Test
    void setIsIndependentOfMemberOrder() {
        assertEquals(Canonical.sha256(set("x", "y", "z")), Canonical.sha256(set("z", "x", "y")));
    }

    @Test
    void zsetIsIndependentOfMemberOrder() {
        assertEquals(Canonical.sha256(zset("a", 1, "b", 2.5)), Canonical.sha256(zset("b", 2.5, "a", 1)));
    }

    @Test
    void zsetScoreMatters() {
        assertNotEquals(Canonical.sha256(zset("a", 1, "b", 2)), Canonical.sha256(zset("a", 1, "b", 3)));
        assertNotEquals(Canonical.sha256(zset("a", 1, "b", 2)), Canonical.sha256(zset("a", 2, "b", 1)));
    }

    @Test
    void listOrderMatters() {
        assertNotEquals(Canonical.sha256(list("a", "b")), Canonical.sha256(list("b", "a")));
        assertEquals(Canonical.sha256(list("a", "b")), Canonical.sha256(list("a", "b")));
    }

    @Test
    void setAndListWithTheSameElementsDiffer() {
        assertNotEquals(Canonical.sha256(set("a")), Canonical.sha256(list("a")));
    }

    @Test
    void elementBoundariesMatter() {
        assertNotEquals(Canonical.sha256(set("ab", "c")), Canonical.sha256(set("a", "bc")));
        assertNotEquals(Canonical.sha256(list("ab", "c")), Canonical.sha256(list("a", "bc")));
        assertNotEquals(Canonical.sha256(hash("ab", "c")), Canonical.sha256(hash("a", "bc")));
        assertNotEquals(Canonical.sha256(list("a", "")), Canonical.sha256(list("a")));
    }

    @Test
    void collectionMembersAreNotReformattedAsJson() {
        assertNotEquals(Canonical.sha256(list("{\"a\": 1}")), Canonical.sha256(list("{\"a\":1}")));
    }

    @Test
    void emptyCollectionsOfDifferentTypesDiffer() {
        assertNotEquals(Canonical.sha256(set()), Canonical.sha256(list()));
        assertNotEquals(Canonical.sha256(hash()), Canonical.sha256(zset()));
    }

    @Test
    void scoreTextIsTheSameEverywhere() {
        assertEquals("1", Canonical.score(1.0));
        assertEquals("1.5", Canonical.score(1.5));
        assertEquals("-3", Canonical.score(-3.0));
        assertEquals("0", Canonical.score(0.0));
        assertEquals("0", Canonical.score(-0.0));
        assertEquals("1763800001", Canonical.score(1_763_800_001.0));
        assertEquals("inf", Canonical.score(Double.POSITIVE_INFINITY));
        assertEquals("-inf", Canonical.score(Double.NEGATIVE_INFINITY));
    }

    @Test
    void scoreTextParsesBackToTheSameDouble() {
        for (double d : new double[] {0.1, 1e-300, 1.7976931348623157e308, 123456789.125, -2.5e20, 1e15, 1e16}) {
            assertEquals(d, Double.parseDouble(Canonical.score(d)), "score " + d);
        }
    }

    @Test
    void sizeOfAStringIsItsByteLength() {
        assertEquals(5, Canonical.size(str("héll")));
        assertEquals(13, Canonical.size(str("{ \"a\" : 1.0 }")));
    }

    @Test
    void sizeOfACollectionIsTheSumOfItsParts() {
        assertEquals(2 + 3 + 1 + 4, Canonical.size(hash("ab", "cde", "f", "ghij")));
        assertEquals(1 + 2 + 3, Canonical.size(list("a", "bb", "ccc")));
        assertEquals(1 + 2, Canonical.size(set("a", "bb")));
        assertEquals((1 + 1) + (2 + 3), Canonical.size(zset("a", 1, "bb", 1.5)));
        assertEquals(0, Canonical.size(set()));
    }

    @Test
    void sideCarriesTypeSizeHashTtlAndFingerprint() {
        KeyValue v = hash("f", "v");
        Side side = Canonical.side(v, 1234);
        assertEquals(new Side(KeyType.HASH, 2, Canonical.sha256(v), 1234, Canonical.fingerprint(v)), side);
    }

    @Test
    void aFingerprintFollowsTheExactBytesInTheOrderRead() {
        // the same content in another order, or JSON spelled otherwise: same canonical hash,
        // different fingerprints (which then prove nothing, and the verifier hashes)
        assertEquals(Canonical.sha256(set("a", "b")), Canonical.sha256(set("b", "a")));
        assertNotEquals(Canonical.fingerprint(set("a", "b")), Canonical.fingerprint(set("b", "a")));
        assertNotEquals(Canonical.fingerprint(hash("f", "1", "g", "2")), Canonical.fingerprint(hash("g", "2", "f", "1")));
        assertNotEquals(Canonical.fingerprint(zset("a", 1, "b", 2)), Canonical.fingerprint(zset("b", 2, "a", 1)));
        assertEquals(Canonical.sha256(str("{\"a\":1,\"b\":2}")), Canonical.sha256(str("{\"b\":2, \"a\":1}")));
        assertNotEquals(Canonical.fingerprint(str("{\"a\":1,\"b\":2}")), Canonical.fingerprint(str("{\"b\":2, \"a\":1}")));
        // equal bytes, equal fingerprints; one byte or one boundary of difference, different ones
        assertEquals(Canonical.fingerprint(hash("f", "1", "g", "2")), Canonical.fingerprint(hash("f", "1", "g", "2")));
        assertNotEquals(Canonical.fingerprint(str("abc")), Canonical.fingerprint(str("abd")));
        assertNotEquals(Canonical.fingerprint(list("ab", "c")), Canonical.fingerprint(list("a", "bc")));
        assertNotEquals(Canonical.fingerprint(list("a")), Canonical.fingerprint(set("a")));
    }

    @Test
    void theFingerprintThatSideCarriesIsTheOneComputedAlone() {
        for (KeyValue v : List.of(str("plain"), str("{\"b\":[1, 2],\"a\":null}"), hash("g", "2", "f", "1"),
                list("x", "y"), set("b", "a"), zset("b", 2, "a", 1))) {
            assertEquals(Canonical.fingerprint(v), Canonical.side(v, -1).digest(), v.type().wire());
            assertEquals(32, Canonical.fingerprint(v).length());
        }
    }

    @Test
    void redisTypeNamesMapToKeyTypes() {
        assertEquals(KeyType.ZSET, Canonical.typeOf("zset"));
        assertEquals(KeyType.STREAM, Canonical.typeOf("stream"));
        assertEquals(null, Canonical.typeOf("none"));
    }

    @Test
    void sha256HexIsPlainSha256() throws Exception {
        assertEquals(sha256(b("abc")), Canonical.sha256Hex(b("abc")));
    }

    @Test
    void valuesWithTheSameBytesInTheSameOrderAreKnownToHashAlikeAndNothingElseIs() {
        assertTrue(KeyValue.sameBytes(str("{\"a\": 1}"), str("{\"a\": 1}")));
        assertTrue(KeyValue.sameBytes(hash("a", "1", "b", "2"), hash("a", "1", "b", "2")));
        assertTrue(KeyValue.sameBytes(zset("a", 1, "b", 2.5), zset("a", 1, "b", 2.5)));
        assertFalse(KeyValue.sameBytes(hash("a", "1", "b", "2"), hash("b", "2", "a", "1")), "same content, other order");
        assertFalse(KeyValue.sameBytes(list("x", "y"), list("x", "y", "z")));
        assertFalse(KeyValue.sameBytes(set("x"), list("x")));
        assertFalse(KeyValue.sameBytes(zset("a", 1), zset("a", 2)));
        assertFalse(KeyValue.sameBytes(str("a"), null));
    }
}
