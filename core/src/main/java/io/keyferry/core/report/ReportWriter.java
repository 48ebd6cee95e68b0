package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;

/**
 * Writes the per-key report: CSV with the contract's header, or JSON lines with the same fields.
 * The file is written beside its final name and moved into place, so a reader never sees half.
 */
public final class ReportWriter {
    public static final String HEADER =
            "run,key,target_key,type,source_size,source_sha256,target_size,target_sha256,status,reason,verdict";

    private ReportWriter() {
    }

    public static void write(Path file, Iterable<AuditRecord> records) throws IOException {
        boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            if (!jsonl) {
                w.write(HEADER);
                w.write('\n');
            }
            for (AuditRecord a : records) {
                w.write(jsonl ? jsonLine(a) : csvLine(a));
                w.write('\n');
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String csvLine(AuditRecord a) {
        KeyResult r = a.result();
        return String.join(",",
                Csv.field(r.run()),
                Csv.field(r.key().display()),
                Csv.field(r.targetKey() == null ? null : r.targetKey().display()),
                Csv.field(r.type() == null ? null : r.type().wire()),
                size(r.source()),
                Csv.field(r.source().sha256()),
                size(r.target()),
                Csv.field(r.target().sha256()),
                r.status().wire(),
                Csv.field(reason(r)),
                a.verdict().wire());
    }

    static String jsonLine(AuditRecord a) {
        KeyResult r = a.result();
        var n = io.keyferry.core.json.Json.reportNode();
        n.put("run", r.run());
        key(n, "key", r.key());
        if (r.targetKey() != null) {
            key(n, "target_key", r.targetKey());
        } else {
            n.putNull("target_key");
        }
        n.put("type", r.type() == null ? null : r.type().wire());
        sizeNode(n, "source_size", r.source());
        n.put("source_sha256", r.source().sha256());
        sizeNode(n, "target_size", r.target());
        n.put("target_sha256", r.target().sha256());
        n.put("status", r.status().wire());
        n.put("reason", reason(r));
        n.put("verdict", a.verdict().wire());
        if (a.kind() != null) {
            n.put("kind", a.kind().wire());
        }
        return n.toString();
    }

    /** Longest cause the reason column carries; the audit topic has the whole message. */
    static final int MAX_CAUSE = 200;

    /**
     * The reason column: why a key was skipped (for {@code invalid}, which name failed, as
     * {@code invalid: {id} does not match [0-9]+}), or what an {@code error} failed on. Neither
     * ever holds a value or a password: the migrator writes no values into messages and redacts URLs.
     */
    static String reason(KeyResult r) {
        String cause = r.message() == null ? null
                : r.message().length() <= MAX_CAUSE ? r.message() : r.message().substring(0, MAX_CAUSE - 3) + "...";
        if (r.reason() == null) {
            return cause;
        }
        return cause == null ? r.reason().wire() : r.reason().wire() + ": " + cause;
    }

    private static void key(com.fasterxml.jackson.databind.node.ObjectNode n, String field, RedisKey k) {
        n.put(field, k.display());
        if (!k.isUtf8()) {
            n.put(field + "_b64", Base64.getEncoder().encodeToString(k.unsafeBytes()));
        }
    }

    private static void sizeNode(com.fasterxml.jackson.databind.node.ObjectNode n, String field, Side s) {
        if (s.exists() && s.size() >= 0) {
            n.put(field, s.size());
        } else {
            n.putNull(field);
        }
    }

    private static String size(Side s) {
        return s.exists() && s.size() >= 0 ? Long.toString(s.size()) : "";
    }
}
