package io.keyferry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogLayoutTest {
    private static final LoggerContext CONTEXT = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void backToText() {
        LogLayout.use(LogLayout.Format.TEXT);
    }

    private static LogLayout layout() {
        LogLayout layout = new LogLayout();
        layout.setContext(CONTEXT);
        layout.start();
        return layout;
    }

    private static LoggingEvent event(String message, Throwable thrown, Object... args) {
        Logger logger = CONTEXT.getLogger("io.keyferry.cli.Session");
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args);
        e.setThreadName("keyferry-scan");
        return e;
    }

    @Test
    void jsonIsOneObjectALineWithTimestampLevelLoggerThreadMessageAndTheExceptionAsOneLine() throws Exception {
        LogLayout.use(LogLayout.Format.JSON);
        Exception thrown = new IllegalStateException("outer\nsecond line", new java.io.IOException("redis://u:pw1@h:1 refused"));

        String line = layout().doLayout(event("cannot reach {} after {} tries", thrown, "redis://app:hunter2@db:6379", 3));

        assertTrue(line.endsWith(System.lineSeparator()), line);
        assertEquals(1, line.strip().lines().count(), line);
        JsonNode o = new ObjectMapper().readTree(line);
        Instant.parse(o.get("timestamp").asText());
        assertEquals("WARN", o.get("level").asText());
        assertEquals("io.keyferry.cli.Session", o.get("logger").asText());
        assertEquals("keyferry-scan", o.get("thread").asText());
        assertEquals("cannot reach redis://app:***@db:6379 after 3 tries", o.get("message").asText());
        assertEquals("java.lang.IllegalStateException: outer second line; caused by java.io.IOException: "
                + "redis://u:***@h:1 refused", o.get("exception").asText());
        assertFalse(line.contains("hunter2") || line.contains("pw1"), line);
    }

    @Test
    void jsonLeavesOutTheExceptionWhenThereIsNone() throws Exception {
        LogLayout.use(LogLayout.Format.JSON);
        JsonNode o = new ObjectMapper().readTree(layout().doLayout(event("plain", null)));

        assertFalse(o.has("exception"), o.toString());
    }

    @Test
    void textMasksPasswordsInMessagesAndStackTraces() {
        String text = layout().doLayout(event("connecting to {}", new RuntimeException("rediss://:s3cret@h"),
                "redis://app:hunter2@db"));

        assertTrue(text.contains("WARN  Session - connecting to redis://app:***@db"), text);
        assertTrue(text.contains("RuntimeException: rediss://:***@h"), text);
        assertFalse(text.contains("hunter2") || text.contains("s3cret"), text);
    }

    @Test
    void aLineOutsideLoggingFollowsTheFormat() throws Exception {
        assertEquals("progress run=r1 done=1" + System.lineSeparator(), LogLayout.line("keyferry.progress", "progress run=r1 done=1"));

        LogLayout.use(LogLayout.Format.JSON);
        JsonNode o = new ObjectMapper().readTree(LogLayout.line("keyferry.progress", "progress run=r1 done=1"));
        assertEquals("progress run=r1 done=1", o.get("message").asText());
        assertEquals("keyferry.progress", o.get("logger").asText());
    }
}
