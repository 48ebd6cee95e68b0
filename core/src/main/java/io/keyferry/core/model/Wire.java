package io.keyferry.core.model;

import java.util.Locale;

/** Closed enums travel as their lower-case wire names; parsing an unknown name is an error, never a default. */
public interface Wire {
    String wire();

    static <E extends Enum<E> & Wire> E parse(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.wire().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'");
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
