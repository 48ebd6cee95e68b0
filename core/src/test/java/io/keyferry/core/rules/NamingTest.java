package io.keyferry.core.rules;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.SkipReason;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamingTest {
    private static final Naming AI_JOBS = Naming.parse(List.of("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}"),
            List.of("workspace_id=field:workspace_id"), List.of("workspace_id=ws-[0-9]+", "job_id=[a-z0-9-]+"));

    private static KeyValue hash(String... fieldValues) {
        List<KeyValue.Field> fields = new java.util.ArrayList<>();
        for (int i = 0; i < fieldValues.length; i += 2) {
            fields.add(new KeyValue.Field(b(fieldValues[i]), b(fieldValues[i + 1])));
        }
        return new KeyValue.HashValue(fields);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Naming.Resolved resolve(Naming n, String key, KeyValue value, String workspace) {
        RedisKey k = RedisKey.of(key);
        return n.resolve(k, n.match(k).orElseThrow(), value, workspace);
    }

    @Test
    void aHashFieldBecomesPartOfTheTargetName() {
        Naming.Resolved r = resolve(AI_JOBS, "ai:jobs:j-1", hash("workspace_id", "ws-7", "status", "done"), null);
        assertFalse(r.skipped());
        assertEquals(RedisKey.of("ai:job:ws-7:j-1"), r.target());
    }

    @Test
    void aMissingDerivedValueIsInvalid() {
        assertEquals(SkipReason.INVALID, resolve(AI_JOBS, "ai:jobs:j-1", hash("status", "done"), null).skip());
        assertEquals(SkipReason.INVALID, resolve(AI_JOBS, "ai:jobs:j-1", new KeyValue.StringValue(b("x")), null).skip());
        assertEquals(SkipReason.INVALID, resolve(AI_JOBS, "ai:jobs:j-1", hash("workspace_id", ""), null).skip());
    }

    @Test
    void aValueThatDoesNotFullyMatchItsRequirementIsInvalid() {
        assertEquals(SkipReason.INVALID, resolve(AI_JOBS, "ai:jobs:j-1", hash("workspace_id", "ws-7x"), null).skip());
        assertEquals(SkipReason.INVALID, resolve(AI_JOBS, "ai:jobs:J_1", hash("workspace_id", "ws-7"), null).skip(),
                "a capture is checked too");
    }

    @Test
    void aKeyOfAnotherWorkspaceIsSkippedAsSuch() {
        assertEquals(SkipReason.OTHER_WORKSPACE, resolve(AI_JOBS, "ai:jobs:j-1", hash("workspace_id", "ws-8"), "ws-7").skip());
        assertFalse(resolve(AI_JOBS, "ai:jobs:j-1", hash("workspace_id", "ws-7"), "ws-7").skipped());
    }

    @Test
    void aJsonPointerTakesAScalarFromAJsonString() {
        Naming n = Naming.parse(List.of("studentData:{v} -> cp:{env}:studentData:{v}"), List.of("env=json:/meta/env"), List.of());
        KeyValue json = new KeyValue.StringValue(b("{\"meta\": {\"env\": \"dev\"}, \"n\": 1}"));
        assertEquals(RedisKey.of("cp:dev:studentData:v1"), resolve(n, "studentData:v1", json, null).target());
        KeyValue object = new KeyValue.StringValue(b("{\"meta\": {\"env\": {\"x\": 1}}}"));
        assertEquals(SkipReason.INVALID, resolve(n, "studentData:v1", object, null).skip());
        assertEquals(SkipReason.INVALID, resolve(n, "studentData:v1", new KeyValue.StringValue(b("not json")), null).skip());
    }

    @Test
    void onlyARuleThatUsesADerivedNameNeedsTheValue() {
        Naming n = Naming.parse(List.of("a:{id} -> b:{ws}:{id}", "c:{id} -> d:{id}"), List.of("ws=field:ws"), List.of());
        assertTrue(n.needsValue(n.match(RedisKey.of("a:1")).orElseThrow()));
        assertFalse(n.needsValue(n.match(RedisKey.of("c:1")).orElseThrow()));
        assertEquals(RedisKey.of("d:1"), resolve(n, "c:1", null, null).target());
    }

    @Test
    void badOptionsAreRejectedNamingTheOption() {
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of(), List.of("ws"), List.of()))
                .getMessage().startsWith("--derive: "));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of(), List.of("ws=hash:x"), List.of()))
                .getMessage().startsWith("--derive: "));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of(), List.of("ws=json:nope"), List.of()))
                .getMessage().startsWith("--derive: "));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of("a:{id} -> b:{ws}"), List.of(), List.of()))
                .getMessage().startsWith("--rename: "));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of("a:{id} -> b:{id}"), List.of(), List.of("x=1")))
                .getMessage().startsWith("--require: {x} is neither captured"));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of("a:{id} -> b:{id}"), List.of(), List.of("id=[")))
                .getMessage().startsWith("--require: '[' is not a regular expression"));
        assertTrue(assertThrows(ConfigException.class, () -> Naming.parse(List.of("a:{id} -> b:{id}"), List.of("id=field:id"), List.of()))
                .getMessage().startsWith("--derive: {id} is already captured"));
    }

    @Test
    void aReversibleRuleMapsATargetKeyBackToItsSourceAndOnlyThat() {
        RenameRule r = RenameRule.parse("jobs:{set} -> steps:{set}", java.util.Set.of());
        assertEquals("jobs:pending", new String(r.reverse(b("steps:pending")).orElseThrow(), StandardCharsets.UTF_8));
        assertTrue(r.reverse(b("steps:a:b")).isEmpty(), "{set} never holds a ':'");
        assertTrue(r.reverse(b("other:x")).isEmpty());
        RenameRule star = RenameRule.parse("{k*} -> cp:dev:{k}", java.util.Set.of());
        assertEquals("studentData:v1", new String(star.reverse(b("cp:dev:studentData:v1")).orElseThrow(), StandardCharsets.UTF_8));
        RenameRule derived = RenameRule.parse("ai:jobs:{job_id} -> ai:job:{workspace_id}:{job_id}", java.util.Set.of("workspace_id"));
        assertEquals("ai:jobs:j1", new String(derived.reverse(b("ai:job:ws-1:j1")).orElseThrow(), StandardCharsets.UTF_8));
        RenameRule lossy = RenameRule.parse("a:{x}:{y} -> b:{x}", java.util.Set.of());
        assertFalse(lossy.reversible());
        assertTrue(lossy.reverse(b("b:1")).isEmpty());
    }

    @Test
    void theTargetGlobCoversWhatToProducesWithGlobCharactersEscaped() {
        assertEquals("steps:*", RenameRule.parse("jobs:{set} -> steps:{set}", java.util.Set.of()).targetGlob());
        assertEquals("a\\*b:*:\\[x\\]", RenameRule.parse("q:{id} -> a*b:{id}:[x]", java.util.Set.of()).targetGlob());
    }
}
