package io.keyferry.core.model;

import java.util.Locale;

/** Closed enums travel as their lower-case wire names; parsing an unknown name is an error, never a default. */
public interface Wire {
    String wire();

    static <E extends Enum<E> & Wire> E parse(Class<E> type, String name) {
        Object e = Names.BY_WIRE.get(type).get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'");
        }
        return type.cast(e);
    }

    static String lower(Enum<?> e) {
        return Names.LOWER.get(e.getDeclaringClass())[e.ordinal()];
    }

    /** Every record of every run names a few enums: their names are worked out once per enum. */
    final class Names {
        private static final ClassValue<String[]> LOWER = new ClassValue<>() {
            @Override
            protected String[] computeValue(Class<?> type) {
                Object[] all = type.getEnumConstants();
                String[] names = new String[all.length];
                for (int i = 0; i < all.length; i++) {
                    names[i] = ((Enum<?>) all[i]).name().toLowerCase(Locale.ROOT);
                }
                return names;
            }
        };
        private static final ClassValue<java.util.Map<String, Object>> BY_WIRE = new ClassValue<>() {
            @Override
            protected java.util.Map<String, Object> computeValue(Class<?> type) {
                java.util.Map<String, Object> m = new java.util.HashMap<>();
                for (Object e : type.getEnumConstants()) {
                    m.put(((Wire) e).wire(), e);
                }
                return java.util.Map.copyOf(m);
            }
        };

        private Names() {
        }
    }
}
