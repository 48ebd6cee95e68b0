package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.Side;

import java.time.Instant;

/** One audit record as one readable line, for tailing: verdict, status, keys, sizes, short hashes. */
public final class AuditLine {
    private AuditLine() {
    }

    public static String format(AuditRecord a) {
        KeyResult r = a.result();
        StringBuilder sb = new StringBuilder();
        sb.append(Instant.ofEpochMilli(a.atMs())).append(' ');
        sb.append(a.verdict().wire());
        if (a.kind() != null) {
            sb.append('(').append(a.kind().wire()).append(')');
        }
        sb.append(' ').append(r.status().wire());
        if (r.reason() != null) {
            sb.append('(').append(r.reason().wire()).append(')');
        }
        sb.append(' ').append(quoted(r.key().display()));
        if (r.targetKey() != null) {
            sb.append(" -> ").append(quoted(r.targetKey().display()));
        }
        if (r.type() != null) {
            sb.append(' ').append(r.type().wire());
        }
        sb.append(" src=").append(side(r.source())).append(" dst=").append(side(r.target()));
        if (r.actor() != null) {
            sb.append(" actor=").append(r.actor());
        }
        if (a.detail() != null) {
            sb.append(" (").append(a.detail()).append(')');
        }
        if (r.message() != null) {
            sb.append(r.status() == io.keyferry.core.model.Status.ERROR ? " error: " : " why: ").append(r.message());
        }
        return sb.toString();
    }

    public static String format(io.keyferry.core.model.RollbackRecord r) {
        return Instant.ofEpochMilli(r.atMs()) + " rollback " + r.action() + (r.done() ? "" : " (not done)") + " "
                + quoted(r.targetKey().display()) + (r.actor() == null ? "" : " actor=" + r.actor());
    }

    public static String format(io.keyferry.core.model.PassRecord r) {
        return Instant.ofEpochMilli(r.atMs()) + " pass " + r.scanner() + " (" + r.reason() + ")";
    }

    private static String side(Side s) {
        if (!s.exists()) {
            return "-";
        }
        return s.size() + "B/" + (s.sha256() == null ? "?" : s.sha256().substring(0, 8));
    }

    // Keys may hold spaces or line breaks; quote those so one record stays one line.
    private static String quoted(String k) {
        boolean plain = k.chars().noneMatch(c -> c == ' ' || c == '"' || c < 0x20);
        return plain ? k : '"' + k.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + '"';
    }
}
