package io.keyferry.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyferry.core.model.AuditCounts;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.BackupRecord;
import io.keyferry.core.model.ConflictPolicy;
import io.keyferry.core.model.KeyRef;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.Mode;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.RollbackRecord;
import io.keyferry.core.model.RunEnd;
import io.keyferry.core.model.RunStart;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of every record keyferry puts on a topic. Keys travel as {@code "key"} when
 * their bytes are UTF-8 and as {@code "key_b64"} otherwise, so any key round-trips exactly.
 * Every record carries {@code "v"}, the schema version, so a foreign record is told apart.
 */
public final class Json {
    public static final int VERSION = 1;
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    // ---- key references -------------------------------------------------------------------

    public static byte[] encode(KeyRef ref) {
        ObjectNode n = header("keyref", ref.run());
        key(n, "key", ref.key());
        text(n, "workspace", ref.workspace());
        n.put("scanner", ref.scanner());
        n.put("seq", ref.seq());
        return bytes(n);
    }

    public static KeyRef decodeKeyRef(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "keyref");
        return new KeyRef(req(n, "run"), reqKey(n, "key"), opt(n, "workspace"), req(n, "scanner"), n.path("seq").asLong());
    }

    /**
     * A page of key references in one record, as the scanner publishes them: the migrator works
     * on a page's keys together (one round trip to Redis for all of them), and Kafka carries one
     * record instead of many. The references are the page's keys with {@code seq} counting on
     * from the page's.
     */
    public static byte[] encodePage(String run, String workspace, String scanner, long firstSeq, List<RedisKey> keys) {
        ObjectNode n = header("keypage", run);
        text(n, "workspace", workspace);
        n.put("scanner", scanner);
        n.put("seq", firstSeq);
        ArrayNode list = n.putArray("keys");
        for (RedisKey k : keys) {
            key(list.addObject(), "key", k);
        }
        return bytes(n);
    }

    /** The key references of a keys-topic record: one ({@code keyref}) or a page ({@code keypage}). */
    public static List<KeyRef> decodeKeyRefs(byte[] data) throws BadRecordException {
        JsonNode n;
        try {
            n = parse(data, "keypage");
        } catch (BadRecordException notAPage) {
            return List.of(decodeKeyRef(data));
        }
        String run = req(n, "run");
        String workspace = opt(n, "workspace");
        String scanner = req(n, "scanner");
        long seq = n.path("seq").asLong();
        JsonNode keys = n.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty()) {
            throw new BadRecordException("a keypage record without keys");
        }
        List<KeyRef> refs = new ArrayList<>(keys.size());
        for (JsonNode k : keys) {
            refs.add(new KeyRef(run, reqKey(k, "key"), workspace, scanner, seq + refs.size()));
        }
        return refs;
    }

    // ---- results -------------------------------------------------------------------------

    public static byte[] encode(KeyResult r) {
        Out o = new Out("result", r.run());
        result(o, r);
        return o.done();
    }

    public static KeyResult decodeResult(byte[] data) throws BadRecordException {
        return result(Flat.parse(MAPPER.getFactory(), data, "result"));
    }

    // ---- audit ---------------------------------------------------------------------------

    public static byte[] encode(AuditRecord a) {
        Out o = new Out("audit", a.result().run());
        result(o, a.result());
        verdict(o, a);
        return o.done();
    }

    /** A result, and the record it was read from when a verdict's record may carry that as it is. */
    public record ReadResult(KeyResult result, byte[] record) {
    }

    /**
     * As {@link #decodeResult}, keeping the record when it is in the form this version writes
     * (its opening, names and values; see {@link #encode(AuditRecord, ReadResult)}).
     */
    public static ReadResult readResult(byte[] data) throws BadRecordException {
        Flat n = Flat.parse(MAPPER.getFactory(), data, "result");
        boolean ours = n.resultNames() && startsWith(data, RESULT_OPENING) && data[data.length - 1] == '}';
        return new ReadResult(result(n), ours ? data : null);
    }

    /**
     * A verdict on a result read by {@link #readResult}: the same record as {@link
     * #encode(AuditRecord)}'s, written around the result's own bytes rather than encoding the
     * result again — the verifier writes one for every key, and the result's fields are most of
     * it. The result's record is taken as it is only when read in this version's form, so both
     * ways read back alike; else, and for a verdict on another result, it is encoded anew.
     */
    public static byte[] encode(AuditRecord a, ReadResult read) {
        byte[] r = read.record();
        if (r == null || a.result() != read.result()) {
            return encode(a);
        }
        Out o = new Out(AUDIT_OPENING, r, RESULT_OPENING.length, r.length - 1);
        verdict(o, a);
        return o.done();
    }

    private static final byte[] RESULT_OPENING = ("{\"v\":" + VERSION + ",\"record\":\"result\",").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUDIT_OPENING = ("{\"v\":" + VERSION + ",\"record\":\"audit\",").getBytes(StandardCharsets.US_ASCII);

    private static boolean startsWith(byte[] data, byte[] opening) {
        return data.length > opening.length && java.util.Arrays.equals(data, 0, opening.length, opening, 0, opening.length);
    }

    /** The fields a verdict adds to its result's. */
    private static void verdict(Out o, AuditRecord a) {
        o.text("verdict", a.verdict().wire());
        o.text("kind", a.kind() == null ? null : a.kind().wire());
        o.text("detail", a.detail());
        o.instant("time", a.atMs());
        o.num("verified_at_ms", a.atMs());
        o.text("offset", a.resultOffset());
    }

    public static AuditRecord decodeAudit(byte[] data) throws BadRecordException {
        Flat n = Flat.parse(MAPPER.getFactory(), data, "audit");
        try {
            String kind = n.opt("kind");
            return new AuditRecord(result(n), Verdict.of(n.req("verdict")),
                    kind == null ? null : MismatchKind.of(kind), n.opt("detail"),
                    n.asLong("verified_at_ms", 0), n.opt("offset"));
        } catch (IllegalArgumentException e) {
            throw new BadRecordException("bad audit record: " + e.getMessage());
        }
    }

    /**
     * An audit record's {@link AuditCounts}: what {@link #decodeAudit} would give of those fields,
     * and refused where it would refuse the record, but reading only the fields it needs — the
     * summary's reader decodes every verdict of a run, and building each whole record (thirty
     * fields, mostly hashes and digests as text) was most of its cost.
     */
    public static AuditCounts decodeCounts(byte[] data) throws BadRecordException {
        Counted c = data == null ? null : Counted.fast(data);
        if (c == null) {
            c = Counted.jackson(data);
        }
        return c.counts();
    }

    /** The fields {@link #decodeCounts} reads, as read from a record. */
    static final class Counted {
        long v;
        String record;
        String run;
        String mode;
        String key;
        String keyB64;
        boolean target;
        String status;
        String reason;
        String verdict;
        String kind;
        String sourceType;
        String targetType;
        long atMs;
        long readAtMs;
        long verifiedAtMs;

        /** One field's value, as one of the two readers has it. */
        private interface Value {
            boolean string();

            boolean none();

            /** Whether {@link #number()} reads it; the shortcut reads integers only. */
            boolean readsAsNumber();

            String text();

            long number();
        }

        /**
         * Takes one field, the same for both readers; false when the value is one only Jackson
         * reads as a number (the caller then reads the record with Jackson).
         */
        private boolean take(String name, Value v) {
            switch (name) {
                case "v", "at_ms", "read_at_ms", "verified_at_ms" -> {
                    if (!v.readsAsNumber()) {
                        return false;
                    }
                    long n = v.number();
                    switch (name) {
                        case "v" -> this.v = n;
                        case "at_ms" -> atMs = n;
                        case "read_at_ms" -> readAtMs = n;
                        default -> verifiedAtMs = n;
                    }
                }
                // the same readings as Flat's: text of a string, numbers as longs, JSON null as none
                case "record" -> record = v.none() ? null : v.text();
                case "run" -> run = v.string() ? v.text() : null;
                case "mode" -> mode = v.string() ? v.text() : null;
                case "key" -> key = v.string() ? v.text() : null;
                case "key_b64" -> keyB64 = v.string() ? v.text() : null;
                case "target_key", "target_key_b64" -> target = true;
                case "status" -> status = v.string() ? v.text() : null;
                case "reason" -> reason = v.none() ? null : v.text();
                case "verdict" -> verdict = v.string() ? v.text() : null;
                case "kind" -> kind = v.none() ? null : v.text();
                case "source_type" -> sourceType = v.none() ? null : v.text();
                case "target_type" -> targetType = v.none() ? null : v.text();
                default -> {
                    // not counted: left unread
                }
            }
            return true;
        }

        /** Read by {@link FlatBytes}: null where it gives up, or a number comes as anything but an integer. */
        static Counted fast(byte[] data) {
            Counted c = new Counted();
            FlatBytes r = new FlatBytes(data);
            Value v = new Value() {
                public boolean string() {
                    return r.kind() == FlatBytes.Kind.STRING;
                }

                public boolean none() {
                    return r.kind() == FlatBytes.Kind.NULL;
                }

                public boolean readsAsNumber() {
                    return r.kind() == FlatBytes.Kind.INTEGER;
                }

                public String text() {
                    return r.text();
                }

                public long number() {
                    return r.integer();
                }
            };
            while (r.next()) {
                if (!c.take(r.name(), v)) {
                    return null;
                }
            }
            return r.failed() ? null : c;
        }

        static Counted jackson(byte[] data) throws BadRecordException {
            Counted c = new Counted();
            try (JsonParser p = Flat.object(MAPPER.getFactory(), data)) {
                Value v = new Value() {
                    public boolean string() {
                        return p.currentToken() == JsonToken.VALUE_STRING;
                    }

                    public boolean none() {
                        return p.currentToken() == JsonToken.VALUE_NULL;
                    }

                    public boolean readsAsNumber() {
                        return true;
                    }

                    public String text() {
                        try {
                            return p.getText();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }

                    public long number() {
                        try {
                            return p.getValueAsLong(0);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                };
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (!p.nextToken().isScalarValue()) {
                        p.skipChildren();
                        continue;
                    }
                    c.take(name, v);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new BadRecordException("not JSON");
            }
            return c;
        }

        AuditCounts counts() throws BadRecordException {
            if (v != VERSION || !"audit".equals(record)) {
                throw new BadRecordException("not a keyferry audit record (v " + VERSION + ")");
            }
            try {
                if (run == null) {
                    throw new BadRecordException("missing 'run'");
                }
                if (mode == null) {
                    throw new BadRecordException("missing 'mode'");
                }
                Mode.of(mode);
                if (status == null) {
                    throw new BadRecordException("missing 'status'");
                }
                Status st = Status.of(status);
                if (!target && st.claimsTarget()) {
                    throw new BadRecordException("a " + st.wire() + " result without 'target_key'");
                }
                if (sourceType != null) {
                    KeyType.of(sourceType);
                }
                if (targetType != null) {
                    KeyType.of(targetType);
                }
                if (verdict == null) {
                    throw new BadRecordException("missing 'verdict'");
                }
                Verdict vd = Verdict.of(verdict);
                AuditRecord.checkKind(vd, kind == null ? null : MismatchKind.of(kind));
                return new AuditCounts(run, Flat.key("key", key, keyB64), atMs, readAtMs, verifiedAtMs, st,
                        reason == null ? null : SkipReason.of(reason), vd);
            } catch (IllegalArgumentException e) {
                throw new BadRecordException("bad audit record: " + e.getMessage());
            }
        }
    }

    // ---- progress ------------------------------------------------------------------------

    public static byte[] encode(ScanProgress p) {
        ObjectNode n = header("scan", p.run());
        n.put("scanner", p.scanner());
        text(n, "workspace", p.workspace());
        ObjectNode cursors = n.putObject("cursors");
        p.cursors().forEach(cursors::put);
        n.put("published", p.published());
        n.put("done", p.done());
        offsets(n.putObject("last_offsets"), p.lastOffsets());
        if (!p.keysFrom().isEmpty()) {
            offsets(n.putObject("keys_from"), p.keysFrom());
        }
        n.put("at_ms", p.atMs());
        return bytes(n);
    }

    public static ScanProgress decodeProgress(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "scan");
        // A checkpoint without these is not one a scanner wrote; taken as one, a scanner that
        // never said "done" would hold the run's completion open for good.
        if (!n.path("done").isBoolean() || !n.path("published").canConvertToLong()
                || !n.path("cursors").isObject() || !n.path("last_offsets").isObject()) {
            throw new BadRecordException("a scan record without done, published, cursors and last_offsets");
        }
        Map<String, String> cursors = new HashMap<>();
        n.path("cursors").fields().forEachRemaining(e -> cursors.put(e.getKey(), e.getValue().asText()));
        Map<Integer, Long> offsets = offsets(n, "last_offsets");
        return new ScanProgress(req(n, "run"), req(n, "scanner"), opt(n, "workspace"), cursors,
                n.path("published").asLong(), n.path("done").asBoolean(), offsets, n.path("at_ms").asLong(),
                offsets(n, "keys_from"));
    }

    public static byte[] encode(BackupRecord b) {
        ObjectNode n = header("backup", b.run());
        text(n, "actor", b.actor());
        key(n, "key", b.key());
        key(n, "target_key", b.targetKey());
        n.put("type", b.type().wire());
        n.put("payload_b64", Base64.getEncoder().encodeToString(b.payload()));
        n.put("ttl_ms", b.ttlMs());
        n.put("previous_sha256", b.previousSha256());
        n.put("written_sha256", b.writtenSha256());
        n.put("at_ms", b.atMs());
        return bytes(n);
    }

    public static BackupRecord decodeBackup(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "backup");
        try {
            return new BackupRecord(req(n, "run"), opt(n, "actor"), reqKey(n, "key"), reqKey(n, "target_key"),
                    KeyType.of(req(n, "type")), Base64.getDecoder().decode(req(n, "payload_b64")), n.path("ttl_ms").asLong(),
                    opt(n, "previous_sha256"), opt(n, "written_sha256"), n.path("at_ms").asLong());
        } catch (IllegalArgumentException e) {
            throw new BadRecordException("bad backup record: " + e.getMessage());
        }
    }

    public static byte[] encode(RollbackRecord r) {
        ObjectNode n = header("rollback", r.run());
        text(n, "actor", r.actor());
        key(n, "target_key", r.targetKey());
        n.put("action", r.action());
        n.put("done", r.done());
        n.put("time", Instant.ofEpochMilli(r.atMs()).toString());
        n.put("at_ms", r.atMs());
        return bytes(n);
    }

    public static RollbackRecord decodeRollback(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "rollback");
        return new RollbackRecord(req(n, "run"), opt(n, "actor"), reqKey(n, "target_key"), req(n, "action"),
                n.path("done").asBoolean(), n.path("at_ms").asLong());
    }

    /**
     * A record a role could not read, for {@code <prefix>.dlq}: why, and where it came from
     * ({@code topic/partition@offset}); never the record's bytes, which may hold values.
     */
    public static byte[] encodeDeadLetter(String reason, String from) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("v", VERSION);
        n.put("record", "dead_letter");
        n.put("reason", reason);
        n.put("from", from);
        return bytes(n);
    }

    /** The {@code record} kind of one of our records ("audit", "rollback", ...), or null. */
    public static String kindOf(byte[] data) {
        Head h = head(data);
        return h == null ? null : h.record();
    }

    public static byte[] encode(RunStart r) {
        ObjectNode n = header("run", r.run());
        n.put("mode", r.mode().wire());
        text(n, "actor", r.actor());
        n.put("on_conflict", r.onConflict().wire());
        n.put("at_ms", r.atMs());
        offsets(n.putObject("results_from"), r.resultsFrom());
        offsets(n.putObject("audit_from"), r.auditFrom());
        if (r.scopesWorkspaces() != null) {
            n.put("scopes_workspaces", r.scopesWorkspaces());
        }
        return bytes(n);
    }

    public static byte[] encode(RunEnd r) {
        ObjectNode n = header("run_end", r.run());
        n.put("time", Instant.ofEpochMilli(r.atMs()).toString());
        n.put("at_ms", r.atMs());
        return bytes(n);
    }

    public static RunEnd decodeRunEnd(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "run_end");
        if (!n.path("at_ms").canConvertToLong()) {
            throw new BadRecordException("a run_end record without at_ms");
        }
        return new RunEnd(req(n, "run"), n.path("at_ms").asLong());
    }

    private static void offsets(ObjectNode n, Map<Integer, Long> offsets) {
        offsets.forEach((k, v) -> n.put(Integer.toString(k), v));
    }

    private static Map<Integer, Long> offsets(JsonNode n, String field) throws BadRecordException {
        Map<Integer, Long> offsets = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path(field).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                offsets.put(Integer.parseInt(e.getKey()), e.getValue().asLong());
            } catch (NumberFormatException ex) {
                throw new BadRecordException("bad partition '" + e.getKey() + "' in " + field);
            }
        }
        return offsets;
    }

    public static RunStart decodeRunStart(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "run");
        try {
            String policy = opt(n, "on_conflict");
            return new RunStart(req(n, "run"), Mode.of(req(n, "mode")), opt(n, "actor"),
                    policy == null ? ConflictPolicy.SKIP : ConflictPolicy.of(policy), n.path("at_ms").asLong(),
                    offsets(n, "results_from"), offsets(n, "audit_from"),
                    n.path("scopes_workspaces").isBoolean() ? n.path("scopes_workspaces").asBoolean() : null);
        } catch (IllegalArgumentException e) {
            throw new BadRecordException("bad run record: " + e.getMessage());
        }
    }

    /** The run a record belongs to, without decoding the rest; null when it is not one of ours. */
    public static String runOf(byte[] data) {
        Head h = head(data);
        return h == null ? null : h.run();
    }

    /** A record's version, kind and run. */
    private record Head(String record, String run) {
    }

    /**
     * The head of a record of ours, read without building the whole tree: every record is looked
     * at this way before it is decoded (or passed over, when of another run), so this is on the
     * hot path. Our records start with these three fields, so reading usually stops there.
     *
     * @return null when it is not a JSON object of this schema version
     */
    private static Head head(byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        try (JsonParser p = MAPPER.getFactory().createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Integer v = null;
            String record = null;
            String run = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "v" -> v = value.isNumeric() || value == JsonToken.VALUE_STRING ? p.getValueAsInt(-1) : -1;
                    case "record" -> record = value.isScalarValue() ? p.getValueAsString() : null;
                    case "run" -> run = value.isScalarValue() ? p.getValueAsString() : null;
                    default -> p.skipChildren();
                }
                if (v != null && record != null && run != null) {
                    break;
                }
            }
            return v != null && v == VERSION ? new Head(record, run) : null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---- shared pieces -------------------------------------------------------------------

    private static void result(Out o, KeyResult r) {
        o.text("actor", r.actor());
        o.text("mode", r.mode().wire());
        o.text("workspace", r.workspace());
        o.key("key", r.key());
        if (r.targetKey() != null) {
            o.key("target_key", r.targetKey());
        }
        o.text("type", r.type() == null ? null : r.type().wire());
        side(o, SideFields.SOURCE, r.source());
        side(o, SideFields.TARGET, r.target());
        o.num("read_at_ms", r.readAtMs());
        o.text("status", r.status().wire());
        o.text("reason", r.reason() == null ? null : r.reason().wire());
        o.text("message", r.message());
        o.num("at_ms", r.atMs());
        o.text("key_offset", r.keyOffset());
    }

    private static KeyResult result(Flat n) throws BadRecordException {
        try {
            String reason = n.opt("reason");
            RedisKey target = n.has("target_key") || n.has("target_key_b64") ? n.reqKey("target_key") : null;
            Status status = Status.of(n.req("status"));
            // these claim something of the target key: without one, nothing could be verified
            if (target == null && status.claimsTarget()) {
                throw new BadRecordException("a " + status.wire() + " result without 'target_key'");
            }
            return new KeyResult(n.req("run"), n.opt("actor"), Mode.of(n.req("mode")), n.opt("workspace"),
                    n.reqKey("key"), target, side(n, SideFields.SOURCE), side(n, SideFields.TARGET), n.asLong("read_at_ms", 0),
                    status, reason == null ? null : SkipReason.of(reason), n.opt("message"),
                    n.asLong("at_ms", 0), n.opt("key_offset"));
        } catch (IllegalArgumentException e) {
            throw new BadRecordException("bad result record: " + e.getMessage());
        }
    }

    private static void side(Out o, SideFields f, Side s) {
        o.text(f.type, s.type() == null ? null : s.type().wire());
        o.num(f.size, s.size());
        o.text(f.sha256, s.sha256());
        o.num(f.ttlMs, s.ttlMs());
        o.text(f.digest, s.digest());
    }

    private static Side side(Flat n, SideFields f) {
        String type = n.opt(f.type);
        if (type == null) {
            return Side.ABSENT;
        }
        return new Side(KeyType.of(type), n.asLong(f.size, -1), n.opt(f.sha256), n.asLong(f.ttlMs, -2), n.opt(f.digest));
    }

    /** A side's field names, made once: they are written and looked up for every result and verdict. */
    private record SideFields(String type, String size, String sha256, String ttlMs, String digest) {
        static final SideFields SOURCE = of("source");
        static final SideFields TARGET = of("target");

        static SideFields of(String prefix) {
            return new SideFields(prefix + "_type", prefix + "_size", prefix + "_sha256", prefix + "_ttl_ms", prefix + "_digest");
        }
    }

    /**
     * A flat record written straight to bytes, fields in the order given — what a tree would
     * write, without building the tree: results and verdicts are written for every key.
     */
    private static final class Out {
        private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        private byte[] buf;
        private int n;

        Out(String kind, String run) {
            buf = new byte[1024];
            put('{');
            num("v", VERSION);
            text("record", kind);
            text("run", run);
        }

        /** A record that opens with {@code opening} and goes on with {@code body[from, to)}, written as it is. */
        Out(byte[] opening, byte[] body, int from, int to) {
            buf = new byte[opening.length + (to - from) + 256];
            System.arraycopy(opening, 0, buf, 0, opening.length);
            System.arraycopy(body, from, buf, opening.length, to - from);
            n = opening.length + (to - from);
        }

        /** A text field; left out when null. */
        void text(String field, String value) {
            if (value != null) {
                name(field);
                string(value);
            }
        }

        /**
         * An instant as {@link Instant#toString()} writes it, from a cache of the last second
         * written: every verdict has one, and formatting each anew was a good part of writing it.
         */
        void instant(String field, long epochMs) {
            long second = Math.floorDiv(epochMs, 1000);
            int ms = (int) Math.floorMod(epochMs, 1000);
            Second last = lastSecond;
            if (last == null || last.second != second) {
                if (second < 0 || second > LAST_FOUR_DIGIT_YEAR) {
                    text(field, Instant.ofEpochMilli(epochMs).toString()); // a year that is not four digits
                    return;
                }
                String text = Instant.ofEpochSecond(second).toString(); // yyyy-mm-ddThh:mm:ssZ
                last = new Second(second, text.substring(0, text.length() - 1).getBytes(StandardCharsets.US_ASCII));
                lastSecond = last;
            }
            name(field);
            room(last.text.length + 7);
            buf[n++] = '"';
            System.arraycopy(last.text, 0, buf, n, last.text.length);
            n += last.text.length;
            if (ms != 0) {
                buf[n++] = '.';
                buf[n++] = (byte) ('0' + ms / 100);
                buf[n++] = (byte) ('0' + ms / 10 % 10);
                buf[n++] = (byte) ('0' + ms % 10);
            }
            buf[n++] = 'Z';
            buf[n++] = '"';
        }

        /** 9999-12-31T23:59:59Z: beyond it, and before 1970, left to {@link Instant#toString()}. */
        private static final long LAST_FOUR_DIGIT_YEAR = 253_402_300_799L;
        private static volatile Second lastSecond;

        private record Second(long second, byte[] text) {
        }

        void num(String field, long value) {
            name(field);
            if (value < 0) {
                if (value == Long.MIN_VALUE) {
                    ascii(Long.toString(value));
                    return;
                }
                put('-');
                value = -value;
            }
            int digits = 1;
            for (long v = value; v >= 10; v /= 10) {
                digits++;
            }
            room(digits);
            for (int at = n + digits - 1; at >= n; at--) {
                buf[at] = (byte) ('0' + value % 10);
                value /= 10;
            }
            n += digits;
        }

        /** As {@code Json.key}: the bytes in base64 too when they are not UTF-8. */
        void key(String field, RedisKey key) {
            if (!key.isUtf8()) {
                text(field + "_b64", Base64.getEncoder().encodeToString(key.unsafeBytes()));
            }
            text(field, key.display());
        }

        byte[] done() {
            put('}');
            return java.util.Arrays.copyOf(buf, n);
        }

        /** Field names are ours: ASCII letters and underscores, nothing to escape. */
        private void name(String field) {
            int len = field.length();
            room(len + 4);
            if (n > 1) {
                buf[n++] = ',';
            }
            buf[n++] = '"';
            ascii(field);
            buf[n++] = '"';
            buf[n++] = ':';
        }

        /**
         * A JSON string as Jackson writes one: UTF-8, with quote, backslash and control characters
         * escaped; a surrogate without its pair (no UTF-8 form) escaped as itself.
         */
        private void string(String s) {
            put('"');
            int len = s.length();
            // Nearly every text is ASCII that needs no escape (hashes, names, keys): copied in a
            // tight loop with locals, up to the first character that needs care.
            room(len * 6 + 1);
            byte[] out = buf;
            int at = n;
            int i = 0;
            for (; i < len; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    break;
                }
                out[at + i] = (byte) c;
            }
            n = at + i;
            for (; i < len; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    if (c >= 0x20 && c != '"' && c != '\\') {
                        buf[n++] = (byte) c;
                    } else {
                        escape(c);
                    }
                } else if (c < 0x800) {
                    buf[n++] = (byte) (0xc0 | c >> 6);
                    buf[n++] = (byte) (0x80 | c & 0x3f);
                } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    buf[n++] = (byte) (0xf0 | cp >> 18);
                    buf[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
                    buf[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
                    buf[n++] = (byte) (0x80 | cp & 0x3f);
                } else if (Character.isSurrogate(c)) {
                    escape(c);
                } else {
                    buf[n++] = (byte) (0xe0 | c >> 12);
                    buf[n++] = (byte) (0x80 | c >> 6 & 0x3f);
                    buf[n++] = (byte) (0x80 | c & 0x3f);
                }
            }
            put('"');
        }

        private void escape(char c) {
            buf[n++] = '\\';
            switch (c) {
                case '"' -> buf[n++] = '"';
                case '\\' -> buf[n++] = '\\';
                case '\n' -> buf[n++] = 'n';
                case '\r' -> buf[n++] = 'r';
                case '\t' -> buf[n++] = 't';
                case '\b' -> buf[n++] = 'b';
                case '\f' -> buf[n++] = 'f';
                default -> {
                    buf[n++] = 'u';
                    buf[n++] = HEX[c >> 12 & 0xf];
                    buf[n++] = HEX[c >> 8 & 0xf];
                    buf[n++] = HEX[c >> 4 & 0xf];
                    buf[n++] = HEX[c & 0xf];
                }
            }
        }

        /** Text known to be ASCII (field names, numbers), copied as a block. */
        @SuppressWarnings("deprecation") // the one String method that copies into an array without making one
        private void ascii(String s) {
            int len = s.length();
            room(len);
            s.getBytes(0, len, buf, n);
            n += len;
        }

        private void put(char c) {
            room(1);
            buf[n++] = (byte) c;
        }

        private void room(int more) {
            if (n + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }
    }

    private static ObjectNode header(String kind, String run) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("v", VERSION);
        n.put("record", kind);
        n.put("run", run);
        return n;
    }

    private static void key(ObjectNode n, String field, RedisKey key) {
        if (key.isUtf8()) {
            n.put(field, key.display());
        } else {
            n.put(field + "_b64", Base64.getEncoder().encodeToString(key.unsafeBytes()));
            n.put(field, key.display());
        }
    }

    private static RedisKey reqKey(JsonNode n, String field) throws BadRecordException {
        JsonNode b64 = n.get(field + "_b64");
        if (b64 != null && b64.isTextual()) {
            byte[] k;
            try {
                k = Base64.getDecoder().decode(b64.asText());
            } catch (IllegalArgumentException e) {
                throw new BadRecordException("'" + field + "_b64' is not base64");
            }
            if (k.length == 0) {
                throw new BadRecordException("'" + field + "_b64' is empty");
            }
            return RedisKey.of(k);
        }
        String text = req(n, field);
        if (text.isEmpty()) {
            throw new BadRecordException("'" + field + "' is empty");
        }
        return RedisKey.of(text);
    }

    private static void text(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }

    private static String req(JsonNode n, String field) throws BadRecordException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new BadRecordException("missing '" + field + "'");
        }
        return v.asText();
    }

    private static String opt(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static JsonNode parse(byte[] data, String kind) throws BadRecordException {
        if (data == null || data.length == 0) {
            throw new BadRecordException("empty record");
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(data);
        } catch (IOException e) {
            throw new BadRecordException("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new BadRecordException("not a JSON object");
        }
        if (n.path("v").asInt() != VERSION || !kind.equals(n.path("record").asText())) {
            throw new BadRecordException("not a keyferry " + kind + " record (v " + VERSION + ")");
        }
        return n;
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An empty object for report lines, from the same mapper. */
    public static ObjectNode reportNode() {
        return MAPPER.createObjectNode();
    }

    public static String string(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }
}
