package io.keyferry.core.hash;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CanonicalJsonTest {

    private static Optional<String> canon(String json) {
        return canon(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> canon(byte[] raw) {
        return CanonicalJson.canonicalize(raw).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void objectKeysAreSortedRecursively() {
        assertEquals(Optional.of("{\"a\":{\"c\":3,\"d\":[{\"x\":1,\"y\":2}]},\"b\":1}"),
                canon("{\"b\":1,\"a\":{\"d\":[{\"y\":2,\"x\":1}],\"c\":3}}"));
    }

    @Test
    void arraysKeepTheirOrder() {
        assertEquals(Optional.of("[3,1,2]"), canon("[3, 1, 2]"));
    }

    @Test
    void insignificantWhitespaceIsRemoved() {
        assertEquals(Optional.of("{\"a\":[1,true,null],\"b\":\"x y\"}"),
                canon(" \n{ \"b\" :\t\"x y\" ,\r\n \"a\" : [ 1 , true , null ] }\n "));
    }

    @Test
    void keysSortByUtf16CodeUnitsAsInRfc8785() {
        String in = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
                + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
                + "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
        String expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
                + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";
        assertEquals(Optional.of(expected), canon(in));
    }

    @Test
    void rfc8785SampleCanonicalizesAsTheRfcSays() {
        String in = "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
                + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                + "  \"literals\": [null, true, false]\n}";
        String expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assertEquals(Optional.of(expected), canon(in));
    }

    @Test
    void numbersTakeTheEcmaScriptForm() {
        assertEquals(Optional.of("1"), canon("1.0"));
        assertEquals(Optional.of("1e+21"), canon("1e21"));
        assertEquals(Optional.of("100000000000000000000"), canon("1e20"));
        assertEquals(Optional.of("0.000001"), canon("0.000001"));
        assertEquals(Optional.of("1e-7"), canon("1e-7"));
        assertEquals(Optional.of("0"), canon("-0"));
        assertEquals(Optional.of("0"), canon("-0.0"));
        assertEquals(Optional.of("123456789012"), canon("123456789012"));
        assertEquals(Optional.of("-1.5"), canon("-1.50"));
        assertEquals(Optional.of("0.1"), canon("1e-1"));
        assertEquals(Optional.of("-1.5e-10"), canon("-15e-11"));
        assertEquals(Optional.of("[1e+21,-1e+21]"), canon("[1000000000000000000000, -1E+21]"));
        assertEquals(Optional.of("[-42,0,7,-9007199254740992]"), canon("[-42, 0, 7, -9007199254740992]"));
        assertEquals(Optional.empty(), canon("-9007199254740993"));
    }

    @Test
    void aNumberADoubleCannotHoldExactlyLeavesTheTextUncanonicalizedSoDifferentValuesNeverHashAlike() {
        assertEquals(Optional.empty(), canon("9007199254740993"));
        assertEquals(Optional.empty(), canon("{\"id\": 12345678901234567890}"));
        assertEquals(Optional.of("{\"id\":9007199254740992}"), canon("{\"id\": 9007199254740992}"));
        assertEquals(Optional.of("[1.5,0.1]"), canon("[1.50, 0.10]"), "the same number written differently is still one value");
    }

    @Test
    void numberOutOfDoubleRangeIsNotCanonicalJson() {
        assertEquals(Optional.empty(), canon("[1e400]"));
    }

    @Test
    void controlCharactersAreEscapedWithLowercaseHex() {
        assertEquals(Optional.of("\"\\u001f\\u0001\\u000b\""), canon("\"\\u001F\\u0001\\u000B\""));
    }

    @Test
    void shortEscapesAreUsedWhereJsonHasThem() {
        assertEquals(Optional.of("\"\\b\\f\\n\\r\\t\\\"\\\\\""), canon("\"\\u0008\\u000c\\u000a\\u000d\\u0009\\u0022\\u005c\""));
    }

    @Test
    void otherCharactersAreNotEscaped() {
        assertEquals(Optional.of("\"/é€😀\u007f\""), canon("\"\\/\\u00e9\\u20ac\\ud83d\\ude00\\u007f\""));
    }

    @Test
    void literalsAndScalarsAreJsonTexts() {
        assertEquals(Optional.of("true"), canon("true"));
        assertEquals(Optional.of("false"), canon(" false "));
        assertEquals(Optional.of("null"), canon("null"));
        assertEquals(Optional.of("\"a\""), canon("\"a\""));
        assertEquals(Optional.of("42"), canon(" 42\n"));
        assertEquals(Optional.of("{}"), canon("{ }"));
        assertEquals(Optional.of("[]"), canon("[ ]"));
    }

    @Test
    void duplicateKeysAreNotJson() {
        assertEquals(Optional.empty(), canon("{\"a\":1,\"a\":2}"));
        assertEquals(Optional.empty(), canon("{\"o\":{\"a\":1,\"a\":1}}"));
    }

    @Test
    void trailingGarbageIsNotJson() {
        assertEquals(Optional.empty(), canon("{\"a\":1} x"));
        assertEquals(Optional.empty(), canon("{\"a\":1}{\"b\":2}"));
        assertEquals(Optional.empty(), canon("1 2"));
        assertEquals(Optional.empty(), canon("[1]]"));
    }

    @Test
    void truncatedJsonIsNotJson() {
        assertEquals(Optional.empty(), canon("{\"a\":1"));
        assertEquals(Optional.empty(), canon("[1,"));
    }

    @Test
    void invalidUtf8IsNotJson() {
        byte[] raw = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
        assertEquals(Optional.empty(), canon(raw));
        byte[] overlong = {'"', (byte) 0xc0, (byte) 0xaf, '"'};
        assertEquals(Optional.empty(), canon(overlong));
    }

    @Test
    void plainTextIsNotJson() {
        assertEquals(Optional.empty(), canon("hello"));
        assertEquals(Optional.empty(), canon("worker-3"));
        assertEquals(Optional.empty(), canon("nothing"));
        assertEquals(Optional.empty(), canon("tru"));
        assertEquals(Optional.empty(), canon(""));
        assertEquals(Optional.empty(), canon("   "));
    }

    @Test
    void nonStandardJsonIsNotJson() {
        assertEquals(Optional.empty(), canon("{'a':1}"));
        assertEquals(Optional.empty(), canon("NaN"));
        assertEquals(Optional.empty(), canon("01"));
        assertEquals(Optional.empty(), canon("[1,]"));
        assertEquals(Optional.empty(), canon("\"tab\there\""));
        assertEquals(Optional.empty(), canon("{\"a\":1} // comment"));
    }

    @Test
    void differentlyFormattedEqualValuesCanonicalizeToTheSameBytes() {
        Optional<String> a = canon("{\"id\": 7, \"tags\": [\"x\", \"y\"], \"score\": 1.50}");
        Optional<String> b = canon("{\"score\":15e-1,\"tags\":[\"x\",\"y\"],\"id\":7.0}");
        assertTrue(a.isPresent());
        assertEquals(a, b);
    }

    @Test
    void aLoneSurrogateIsNotJsonSoItCannotCollideWithAQuestionMark() {
        assertEquals(Optional.empty(), canon("\"\\ud800\""));
        assertEquals(Optional.empty(), canon("{\"\\udc00\": 1}"));
        assertEquals(Optional.of("\"\uD83D\uDE00\""), canon("\"\\ud83d\\ude00\""), "a proper pair is fine");
    }

    @Test
    void numbersUseTheShortestRoundTripDigitsEvenWhereJava17DoesNot() {
        assertEquals(Optional.of("5e-324"), canon("5e-324"));
        assertEquals(Optional.of("1e+23"), canon("1E23"));
        assertEquals(Optional.of("282879384806159000"), canon("2.82879384806159E17"));
    }
}
