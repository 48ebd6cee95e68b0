package io.keyferry.verifier;

import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VerifierSlicesTest {
    private static List<KeyResult> sized(long... sizes) {
        return LongStream.of(sizes).mapToObj(size -> new KeyResult("run-1", "alice", Mode.EXECUTE, null,
                RedisKey.of("job:" + size), RedisKey.of("step:" + size), new Side(KeyType.STRING, size, "a".repeat(64), -1),
                Side.ABSENT, 1L, Status.COPIED, null, null, 2L, "keyferry.keys/0@1")).toList();
    }

    /** The slices a poll of these results is verified in, as their sizes in keys. */
    private static List<Integer> slices(List<KeyResult> results, long maxBytes) {
        List<Integer> out = new ArrayList<>();
        for (int from = 0; from < results.size(); ) {
            int to = VerifierApp.sliceEnd(results, from, maxBytes);
            out.add(to - from);
            from = to;
        }
        return out;
    }

    @Test
    void aPollOfSmallKeysIsOneSlice() {
        assertEquals(List.of(5), slices(sized(10, 10, 10, 10, 10), 100));
    }

    @Test
    void aSliceTakesKeysUntilTheNextWouldPassTheByteBudget() {
        assertEquals(List.of(2, 2, 1), slices(sized(40, 60, 50, 50, 30), 100));
    }

    @Test
    void aKeyBiggerThanTheBudgetIsASliceOfItsOwn() {
        assertEquals(List.of(1, 1, 2), slices(sized(500, 500, 10, 10), 100));
    }

    @Test
    void keysWithoutAKnownSizeCountAsNothing() {
        assertEquals(List.of(3), slices(sized(-1, 90, -1), 100));
    }
}
