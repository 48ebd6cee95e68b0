package io.keyferry.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The masters holding one cluster slot's keys at a moment, each as it says of itself: those
 * serving the slot, and those a move (CLUSTER SETSLOT IMPORTING / MIGRATING) is taking its keys
 * to. Two reads that are equal saw no move of the slot in between (short of one there and back).
 */
public record SlotHolders(List<String> serving, List<String> importing) {
    public SlotHolders {
        serving = List.copyOf(serving);
        importing = List.copyOf(importing);
    }

    /** The cluster slot of a key (CRC16 of the key, or of its {@code {hash tag}}). */
    public static int slotOf(io.keyferry.core.model.RedisKey key) {
        return io.lettuce.core.cluster.SlotHash.getSlot(key.unsafeBytes());
    }

    /**
     * Where to read the slot's keys, each master once: keys only go from the serving master to the
     * importing one, so reading that one last finds a key that moved while the first was read.
     */
    public List<String> inReadOrder() {
        List<String> out = new ArrayList<>(serving);
        importing.stream().filter(id -> !out.contains(id)).forEach(out::add);
        return out;
    }
}
