package io.keyferry.core.follow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NotifyFlagsTest {
    @Test
    void anEmptySettingLacksEveryClassAFollowerNeeds() {
        assertEquals("Kg$lshztxe", new NotifyFlags("").missing());
        assertEquals("Kg$lshztxe", new NotifyFlags(null).missing());
    }

    @Test
    void allClassesWithKeySpaceEventsIsEnoughAndAStandsForTheClassesOnly() {
        assertEquals("", new NotifyFlags("KA").missing());
        assertEquals("", new NotifyFlags("AK").missing());
        assertEquals("K", new NotifyFlags("EA").missing(), "key-event channels carry the key as a message, not in the channel");
    }

    @Test
    void aPartialSettingNamesWhatItLacksAndAddingItKeepsWhatWasThere() {
        NotifyFlags flags = new NotifyFlags("Ex$");
        assertEquals("Kglshzte", flags.missing());
        assertEquals("Ex$Kglshzte", flags.withNeeded().value());
        assertEquals("", flags.withNeeded().missing());
    }
}
