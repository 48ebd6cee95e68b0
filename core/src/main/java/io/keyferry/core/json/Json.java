package io.keyferry.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
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
    private static final JsonFactory FACTORY = MAPPER.getFactory();

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

    // ---- results and verdicts --------------------------------------------------------------
    // Written and read for every key of a run, so streamed (no tree), with field names encoded once.

    public static byte[] encode(KeyResult r) {
        return write("result", r.run(), g -> result(g, r));
    }

    public static KeyResult decodeResult(byte[] data) throws BadRecordException {
        return result(Flat.parse(FACTORY, data, "result"));
    }

    public static byte[] encode(AuditRecord a) {
        return write("audit", a.result().run(), g -> {
            result(g, a.result());
            verdict(g, a);
        });
    }

    /** The fields a verdict adds to its result's. */
    private static void verdict(JsonGenerator g, AuditRecord a) throws IOException {
        text(g, F.VERDICT, a.verdict().wire());
        text(g, F.KIND, a.kind() == null ? null : a.kind().wire());
        text(g, F.DETAIL, a.detail());
        text(g, F.TIME, Instant.ofEpochMilli(a.atMs()).toString());
        num(g, F.VERIFIED_AT_MS, a.atMs());
        text(g, F.OFFSET, a.resultOffset());
    }

    public static AuditRecord decodeAudit(byte[] data) throws BadRecordException {
        Flat n = Flat.parse(FACTORY, data, "audit");
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
     * and refused where it would refuse the record, reading only the fields it needs — the
     * summary's reader decodes every verdict of a run that lacks a counts header.
     */
    public static AuditCounts decodeCounts(byte[] data) throws BadRecordException {
        return Counted.read(data).counts();
    }

    /** The fields {@link #decodeCounts} reads, as {@link Flat} would read them. */
    private static final class Counted {
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

        static Counted read(byte[] data) throws BadRecordException {
            Counted c = new Counted();
            try (JsonParser p = Flat.object(FACTORY, data)) {
                String name;
                while ((name = p.nextFieldName()) != null) {
                    JsonToken t = p.nextToken();
                    if (!t.isScalarValue()) {
                        p.skipChildren();
                        if (name.equals("target_key") || name.equals("target_key_b64")) {
                            c.target = true;
                        }
                        continue;
                    }
                    c.take(name, p, t);
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new BadRecordException("not JSON");
                }
            } catch (IOException e) {
                throw new BadRecordException("not JSON");
            }
            return c;
        }

        /** One scalar field, read as {@link Flat}'s accessors read it: texts of strings, numbers as longs, null as none. */
        private void take(String name, JsonParser p, JsonToken t) throws IOException {
            boolean string = t == JsonToken.VALUE_STRING;
            boolean none = t == JsonToken.VALUE_NULL;
            switch (name) {
                case "v" -> v = Flat.asLong(p, t, 0);
                case "at_ms" -> atMs = Flat.asLong(p, t, 0);
                case "read_at_ms" -> readAtMs = Flat.asLong(p, t, 0);
                case "verified_at_ms" -> verifiedAtMs = Flat.asLong(p, t, 0);
                case "record" -> record = none ? null : Flat.text(p, t);
                case "run" -> run = string ? p.getText() : null;
                case "mode" -> mode = string ? p.getText() : null;
                case "key" -> key = string ? p.getText() : null;
                case "key_b64" -> keyB64 = string ? p.getText() : null;
                case "target_key", "target_key_b64" -> target = true;
                case "status" -> status = string ? p.getText() : null;
                case "reason" -> reason = none ? null : Flat.text(p, t);
                case "verdict" -> verdict = string ? p.getText() : null;
                case "kind" -> kind = none ? null : Flat.text(p, t);
                case "source_type" -> sourceType = none ? null : Flat.text(p, t);
                case "target_type" -> targetType = none ? null : Flat.text(p, t);
                default -> {
                    // not counted
                }
            }
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

    public static byte[] encode(io.keyferry.core.model.PassRecord r) {
        ObjectNode n = header("pass", r.run());
        n.put("scanner", r.scanner());
        n.put("reason", r.reason());
        n.put("time", Instant.ofEpochMilli(r.atMs()).toString());
        n.put("at_ms", r.atMs());
        return bytes(n);
    }

    public static io.keyferry.core.model.PassRecord decodePass(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "pass");
        return new io.keyferry.core.model.PassRecord(req(n, "run"), req(n, "scanner"), req(n, "reason"), n.path("at_ms").asLong());
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
        offsets(n.putObject("backup_from"), r.backupFrom());
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

    public static byte[] encode(io.keyferry.core.model.Cutover.Request r) {
        ObjectNode n = header("cutover", r.run());
        n.put("quiet_for_ms", r.quietForMs());
        n.put("deadline_ms", r.deadlineMs());
        n.put("at_ms", r.atMs());
        return bytes(n);
    }

    public static io.keyferry.core.model.Cutover.Request decodeCutoverRequest(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "cutover");
        return new io.keyferry.core.model.Cutover.Request(req(n, "run"), n.path("quiet_for_ms").asLong(),
                n.path("deadline_ms").asLong(), n.path("at_ms").asLong());
    }

    public static byte[] encode(io.keyferry.core.model.Cutover.Done d) {
        ObjectNode n = header("cutover_done", d.run());
        n.put("keys", d.keys());
        n.put("changes", d.changes());
        n.put("mismatches", d.mismatches());
        n.put("lag_ms", d.lagMs());
        n.put("at_ms", d.atMs());
        return bytes(n);
    }

    public static io.keyferry.core.model.Cutover.Done decodeCutoverDone(byte[] data) throws BadRecordException {
        JsonNode n = parse(data, "cutover_done");
        return new io.keyferry.core.model.Cutover.Done(req(n, "run"), n.path("keys").asLong(), n.path("changes").asLong(),
                n.path("mismatches").asLong(), n.path("lag_ms").asLong(), n.path("at_ms").asLong());
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
                    n.path("scopes_workspaces").isBoolean() ? n.path("scopes_workspaces").asBoolean() : null,
                    offsets(n, "backup_from"));
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

    private static void result(JsonGenerator g, KeyResult r) throws IOException {
        text(g, F.ACTOR, r.actor());
        text(g, F.MODE, r.mode().wire());
        text(g, F.WORKSPACE, r.workspace());
        key(g, F.KEY, F.KEY_B64, r.key());
        if (r.targetKey() != null) {
            key(g, F.TARGET_KEY, F.TARGET_KEY_B64, r.targetKey());
        }
        text(g, F.TYPE, r.type() == null ? null : r.type().wire());
        side(g, SideFields.SOURCE, r.source());
        side(g, SideFields.TARGET, r.target());
        num(g, F.READ_AT_MS, r.readAtMs());
        text(g, F.STATUS, r.status().wire());
        text(g, F.REASON, r.reason() == null ? null : r.reason().wire());
        text(g, F.MESSAGE, r.message());
        num(g, F.AT_MS, r.atMs());
        text(g, F.KEY_OFFSET, r.keyOffset());
        if (!r.names().isEmpty()) {
            g.writeFieldName(F.NAMES);
            g.writeStartObject();
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.names()).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
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
                    n.asLong("at_ms", 0), n.opt("key_offset"), n.texts("names"));
        } catch (IllegalArgumentException e) {
            throw new BadRecordException("bad result record: " + e.getMessage());
        }
    }

    private static void side(JsonGenerator g, SideFields f, Side s) throws IOException {
        text(g, f.typeName, s.type() == null ? null : s.type().wire());
        num(g, f.sizeName, s.size());
        text(g, f.sha256Name, s.sha256());
        num(g, f.ttlMsName, s.ttlMs());
        text(g, f.digestName, s.digest());
    }

    private static Side side(Flat n, SideFields f) {
        String type = n.opt(f.type);
        if (type == null) {
            return Side.ABSENT;
        }
        return new Side(KeyType.of(type), n.asLong(f.size, -1), n.opt(f.sha256), n.asLong(f.ttlMs, -2), n.opt(f.digest));
    }

    /** A side's field names, as read and as written. */
    private record SideFields(String type, String size, String sha256, String ttlMs, String digest,
                              SerializableString typeName, SerializableString sizeName, SerializableString sha256Name,
                              SerializableString ttlMsName, SerializableString digestName) {
        static final SideFields SOURCE = of("source");
        static final SideFields TARGET = of("target");

        static SideFields of(String prefix) {
            String type = prefix + "_type";
            String size = prefix + "_size";
            String sha256 = prefix + "_sha256";
            String ttlMs = prefix + "_ttl_ms";
            String digest = prefix + "_digest";
            return new SideFields(type, size, sha256, ttlMs, digest, new SerializedString(type), new SerializedString(size),
                    new SerializedString(sha256), new SerializedString(ttlMs), new SerializedString(digest));
        }
    }

    /** The names of a result's and a verdict's fields, encoded once. */
    private static final class F {
        static final SerializableString V = new SerializedString("v");
        static final SerializableString RECORD = new SerializedString("record");
        static final SerializableString RUN = new SerializedString("run");
        static final SerializableString ACTOR = new SerializedString("actor");
        static final SerializableString MODE = new SerializedString("mode");
        static final SerializableString WORKSPACE = new SerializedString("workspace");
        static final SerializableString KEY = new SerializedString("key");
        static final SerializableString KEY_B64 = new SerializedString("key_b64");
        static final SerializableString TARGET_KEY = new SerializedString("target_key");
        static final SerializableString TARGET_KEY_B64 = new SerializedString("target_key_b64");
        static final SerializableString TYPE = new SerializedString("type");
        static final SerializableString READ_AT_MS = new SerializedString("read_at_ms");
        static final SerializableString STATUS = new SerializedString("status");
        static final SerializableString REASON = new SerializedString("reason");
        static final SerializableString MESSAGE = new SerializedString("message");
        static final SerializableString AT_MS = new SerializedString("at_ms");
        static final SerializableString KEY_OFFSET = new SerializedString("key_offset");
        static final SerializableString NAMES = new SerializedString("names");
        static final SerializableString VERDICT = new SerializedString("verdict");
        static final SerializableString KIND = new SerializedString("kind");
        static final SerializableString DETAIL = new SerializedString("detail");
        static final SerializableString TIME = new SerializedString("time");
        static final SerializableString VERIFIED_AT_MS = new SerializedString("verified_at_ms");
        static final SerializableString OFFSET = new SerializedString("offset");
    }

    /** What a streamed record writes between its head ({@code v}, {@code record}, {@code run}) and its end. */
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(String kind, String run, Body body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            num(g, F.V, VERSION);
            text(g, F.RECORD, kind);
            text(g, F.RUN, run);
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A text field; left out when null. */
    private static void text(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    private static void num(JsonGenerator g, SerializableString name, long value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

    /** The bytes in base64 too when they are not UTF-8. */
    private static void key(JsonGenerator g, SerializableString name, SerializableString b64Name, RedisKey key)
            throws IOException {
        if (!key.isUtf8()) {
            text(g, b64Name, Base64.getEncoder().encodeToString(key.unsafeBytes()));
        }
        text(g, name, key.display());
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
