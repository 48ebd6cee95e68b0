package io.keyferry.redis;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedTest {
    @Test
    void aHashAsRedisCmsgpackPacksItGivesItsFieldsAndValuesInOrder() {
        // what cmsgpack.pack(redis.call('HGETALL', k)) gave for {a: 1, b: 22} on redis 7.0
        List<byte[]> e = Packed.elements(bytes(0x94, 0xa1, 'a', 0xa1, '1', 0xa1, 'b', 0xa2, '2', '2'));
        assertEquals(List.of("a", "1", "b", "22"), e.stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList());
    }

    @Test
    void longerStringsAndArraysUseTheirWiderHeaders() {
        byte[] packed = bytes(0xdc, 0x00, 0x02, 0xd9, 0x02, 'x', 'y', 0xda, 0x00, 0x01, 'z');
        List<byte[]> e = Packed.elements(packed);
        assertArrayEquals("xy".getBytes(StandardCharsets.US_ASCII), e.get(0));
        assertArrayEquals("z".getBytes(StandardCharsets.US_ASCII), e.get(1));
        assertEquals(1, Packed.elements(bytes(0xdd, 0, 0, 0, 1, 0xdb, 0, 0, 0, 0)).size());
        assertEquals(0, Packed.elements(bytes(0x91, 0xa0)).get(0).length);
    }

    @Test
    void aValueThatIsNotAnArrayOfStringsIsRefusedNamingWhatIsWrong() {
        assertTrue(assertThrows(IllegalStateException.class, () -> Packed.elements(bytes(0x81, 0xa1, 'a', 0xa1, 'b')))
                .getMessage().contains("where an array begins"));
        assertTrue(assertThrows(IllegalStateException.class, () -> Packed.elements(bytes(0x91, 0x01)))
                .getMessage().contains("where a string begins"));
        assertTrue(assertThrows(IllegalStateException.class, () -> Packed.elements(bytes(0x92, 0xa1, 'a')))
                .getMessage().contains("cut short"));
        assertTrue(assertThrows(IllegalStateException.class, () -> Packed.elements(bytes(0x91, 0xa3, 'a')))
                .getMessage().contains("runs past its end"));
        assertTrue(assertThrows(IllegalStateException.class, () -> Packed.elements(bytes(0x91, 0xa1, 'a', 0xa1)))
                .getMessage().contains("after its 1 elements"));
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }
}
