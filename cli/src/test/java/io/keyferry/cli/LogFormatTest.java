package io.keyferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the log lines look like through keyferry's own logback.xml, in both formats. */
class LogFormatTest {
    private static final Logger LOG = LoggerFactory.getLogger("io.keyferry.cli.Session");

    @AfterEach
    void backToText() {
        LogFormat.use(LogFormat.Format.TEXT);
    }

    /** What {@code action} writes to stderr. */
    private static synchronized String stderr(Runnable action) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static void warnWithCause() {
        Thread t = new Thread(() -> LOG.warn("cannot reach {} after {} tries", "redis://app:hunter2@db:6379", 3,
                new IllegalStateException("outer\nsecond line", new java.io.IOException("redis://u:pw1@h:1 refused"))),
                "keyferry-scan");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void jsonIsOneObjectALineWithTimestampLevelLoggerThreadMessageAndTheWholeStackTraceMasked() throws Exception {
        LogFormat.use(LogFormat.Format.JSON);
        String out = stderr(LogFormatTest::warnWithCause);

        assertEquals(1, out.strip().lines().count(), out);
        JsonNode o = new ObjectMapper().readTree(out);
        Instant.parse(o.get("timestamp").asText());
        assertEquals("WARN", o.get("level").asText());
        assertEquals("io.keyferry.cli.Session", o.get("logger").asText());
        assertEquals("keyferry-scan", o.get("thread").asText());
        assertEquals("cannot reach redis://app:***@db:6379 after 3 tries", o.get("message").asText());
        String trace = o.get("exception").asText();
        assertTrue(trace.startsWith("java.lang.IllegalStateException: outer"), trace);
        assertTrue(trace.contains("Caused by: java.io.IOException: redis://u:***@h:1 refused"), trace);
        assertTrue(trace.contains("\tat io.keyferry.cli.LogFormatTest"), "the stack trace is kept: " + trace);
        assertFalse(out.contains("hunter2") || out.contains("pw1"), out);
    }

    @Test
    void jsonLeavesOutTheExceptionWhenThereIsNone() throws Exception {
        LogFormat.use(LogFormat.Format.JSON);
        JsonNode o = new ObjectMapper().readTree(stderr(() -> LOG.warn("plain")));

        assertEquals("plain", o.get("message").asText());
        assertFalse(o.has("exception"), o.toString());
    }

    @Test
    void textMasksPasswordsInMessagesAndStackTraces() {
        String text = stderr(() -> LOG.warn("connecting to {}", "redis://app:hunter2@db", new RuntimeException("rediss://:s3cret@h")));

        assertTrue(text.contains("WARN  Session - connecting to redis://app:***@db"), text);
        assertTrue(text.contains("RuntimeException: rediss://:***@h"), text);
        assertFalse(text.contains("hunter2") || text.contains("s3cret"), text);
        assertFalse(text.startsWith("{"), text);
    }

    @Test
    void theProgressLineFollowsTheFormat() throws Exception {
        assertEquals("progress run=r1 done=1" + System.lineSeparator(),
                stderr(() -> LogFormat.line(System.err, "progress run=r1 done=1")));

        LogFormat.use(LogFormat.Format.JSON);
        JsonNode o = new ObjectMapper().readTree(stderr(() -> LogFormat.line(System.err, "progress run=r1 done=1")));
        assertEquals("progress run=r1 done=1", o.get("message").asText());
        assertEquals("keyferry.progress", o.get("logger").asText());
        assertEquals("INFO", o.get("level").asText());
    }
}
