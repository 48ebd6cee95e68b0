package io.keyferry.core.model;

import java.util.Objects;

/**
 * One verdict on {@code <prefix>.audit}: the result it judges plus what the verifier saw.
 *
 * @param kind         set only for {@link Verdict#MISMATCH}
 * @param detail       a short human explanation (no values)
 * @param resultOffset where the judged result sits on the results topic (partition:offset)
 */
public record AuditRecord(KeyResult result, Verdict verdict, MismatchKind kind, String detail,
                          long atMs, String resultOffset) {
    public AuditRecord {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(verdict, "verdict");
        checkKind(verdict, kind);
    }

    /** A kind goes with verdict mismatch and only with it. */
    public static void checkKind(Verdict verdict, MismatchKind kind) {
        if ((verdict == Verdict.MISMATCH) != (kind != null)) {
            throw new IllegalArgumentException("a kind goes with verdict mismatch and only with it");
        }
    }
}
