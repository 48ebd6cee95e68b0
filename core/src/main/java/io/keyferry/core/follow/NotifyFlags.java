package io.keyferry.core.follow;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Redis server's {@code notify-keyspace-events} setting, and what following a source's changes
 * needs of it: key-space events ({@code K}: the key in the channel, binary-safe) of every class
 * that changes a key's value or existence: generic ({@code g}: DEL, EXPIRE, RENAME, ...), string,
 * list, set, hash, sorted set, stream, expired and evicted. {@code A} stands for all of those
 * classes, as in Redis.
 */
public record NotifyFlags(String value) {
    /** The classes a follower needs, in Redis' own letters. */
    public static final String NEEDED = "Kg$lshztxe";
    private static final String ALL_CLASSES = "g$lshzxetd";

    public NotifyFlags {
        value = value == null ? "" : value;
    }

    /** The letters of {@link #NEEDED} this setting lacks, in that order; empty when it has them all. */
    public String missing() {
        Set<Character> have = letters(value);
        StringBuilder out = new StringBuilder();
        for (char c : NEEDED.toCharArray()) {
            if (!have.contains(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** This setting with the missing letters added: what a follower sets, keeping what others rely on. */
    public NotifyFlags withNeeded() {
        return new NotifyFlags(value + missing());
    }

    private static Set<Character> letters(String flags) {
        Set<Character> out = new LinkedHashSet<>();
        for (char c : flags.toCharArray()) {
            if (c == 'A') {
                ALL_CLASSES.chars().forEach(a -> out.add((char) a));
            } else {
                out.add(c);
            }
        }
        return out;
    }
}
