package io.keyferry.redis;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLUSTER NODES as a Redis 7.0 node prints it mid-migration, read as the scanner's walk needs it. */
class ClusterNodesTest {
    private static final String NODES = """
            07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
            67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922 [5460-<-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca]
            e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5460->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
            292f8b365bb7edb5e285caf0b7e6ddc7265e2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
            """;

    private static BitSet slots(int from, int toInclusive) {
        BitSet b = new BitSet();
        b.set(from, toInclusive + 1);
        return b;
    }

    @Test
    void eachLineGivesTheNodeItsRoleItsSlotsAndTheSlotsItMovesInOrOut() {
        List<Scanning.NodeLine> lines = Scanning.NodeLine.parseAll(NODES);

        assertEquals(4, lines.size());
        Scanning.NodeLine replica = lines.get(0);
        assertFalse(replica.master());
        assertEquals("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", replica.masterId());
        assertTrue(replica.slots().isEmpty());

        Scanning.NodeLine importing = lines.get(1);
        assertTrue(importing.master());
        assertNull(importing.masterId());
        assertEquals(slots(5461, 10922), importing.slots(), "a slot it imports is not yet its own");
        assertEquals(Map.of(5460, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"), importing.importing());
        assertTrue(importing.migrating().isEmpty());

        Scanning.NodeLine me = lines.get(2);
        assertTrue(me.myself());
        assertEquals(slots(0, 5460), me.slots(), "a slot it migrates is still its own");
        assertEquals(Map.of(5460, "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"), me.migrating());

        assertEquals(slots(10923, 16383), lines.get(3).slots());
    }

    @Test
    void singleSlotsAndRangesMixOnOneLine() {
        Scanning.NodeLine line = Scanning.NodeLine.parse(
                "292f8b365bb7edb5e285caf0b7e6ddc7265e2f4f 127.0.0.1:30003@31003,host-3 master - 0 1 3 connected 7 9-11 16383");
        BitSet expected = new BitSet();
        expected.set(7);
        expected.set(9, 12);
        expected.set(16383);
        assertEquals(expected, line.slots());
        assertFalse(line.myself());
    }
}
