package io.keyferry.core.rules;

/**
 * A SCAN MATCH pattern, matched as Redis matches it (stringmatchlen): {@code *} any run of bytes,
 * {@code ?} one byte, {@code [abc]}, {@code [a-z]} and {@code [^a]} one byte of a set, {@code \}
 * makes the next character literal. Over a key's bytes, so binary keys match as Redis would.
 */
public final class Glob {
    private final byte[] pattern;

    private Glob(byte[] pattern) {
        this.pattern = pattern;
    }

    public static Glob of(String pattern) {
        return new Glob(pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public boolean matches(byte[] key) {
        return match(pattern, 0, key, 0);
    }

    private static boolean match(byte[] p, int pi, byte[] s, int si) {
        while (pi < p.length) {
            byte c = p[pi];
            switch (c) {
                case '*' -> {
                    while (pi + 1 < p.length && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length) {
                        return true;
                    }
                    for (int from = si; from <= s.length; from++) {
                        if (match(p, pi + 1, s, from)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (si >= s.length) {
                        return false;
                    }
                    si++;
                }
                case '[' -> {
                    if (si >= s.length) {
                        return false;
                    }
                    pi++;
                    boolean not = pi < p.length && p[pi] == '^';
                    if (not) {
                        pi++;
                    }
                    boolean found = false;
                    while (pi < p.length && p[pi] != ']') {
                        if (p[pi] == '\\' && pi + 1 < p.length) {
                            pi++;
                            found |= p[pi] == s[si];
                        } else if (pi + 2 < p.length && p[pi + 1] == '-' && p[pi + 2] != ']') {
                            int lo = p[pi] & 0xff;
                            int hi = p[pi + 2] & 0xff;
                            if (lo > hi) {
                                int t = lo;
                                lo = hi;
                                hi = t;
                            }
                            int b = s[si] & 0xff;
                            found |= b >= lo && b <= hi;
                            pi += 2;
                        } else {
                            found |= p[pi] == s[si];
                        }
                        pi++;
                    }
                    if (pi >= p.length) {
                        pi--; // an unclosed set ends the pattern, as in Redis
                    }
                    if (found == not) {
                        return false;
                    }
                    si++;
                }
                case '\\' -> {
                    if (pi + 1 < p.length) {
                        pi++;
                    }
                    if (si >= s.length || p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                }
                default -> {
                    if (si >= s.length || c != s[si]) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
        }
        return si == s.length;
    }
}
