package io.keyferry.cli;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyferry.core.config.RedisEndpoint;

import java.time.Instant;
import java.util.Locale;

/**
 * Every log line keyferry (and the libraries in it) writes: plain text, or with
 * {@code --log-format json} one JSON object per line. Whatever the format, URL passwords are
 * masked here, the last stop before stderr, so no logger anywhere can leak one.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
    /** Chosen by {@code --log-format}; one per process, as logback's configuration is. */
    private static volatile Format format = Format.TEXT;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PatternLayout text = new PatternLayout();
    private String pattern = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    public enum Format {
        TEXT, JSON;

        static Format of(String value) {
            return Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
    }

    static void use(Format f) {
        format = f;
    }

    static Format format() {
        return format;
    }

    /** The text format's pattern (logback.xml sets it). */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void start() {
        text.setContext(getContext());
        text.setPattern(pattern);
        text.start();
        super.start();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        if (format == Format.JSON) {
            return json(event.getTimeStamp(), event.getLevel().toString(), event.getLoggerName(), event.getThreadName(),
                    event.getFormattedMessage(), event.getThrowableProxy());
        }
        return RedisEndpoint.redact(text.doLayout(event));
    }

    /**
     * A line that is not a logging event (the progress line) in the current format: as it is
     * for text, as a JSON object with {@code logger} for json.
     */
    static String line(String logger, String message) {
        if (format == Format.JSON) {
            return json(System.currentTimeMillis(), "INFO", logger, Thread.currentThread().getName(), message, null);
        }
        return RedisEndpoint.redact(message) + System.lineSeparator();
    }

    private static String json(long timestamp, String level, String logger, String thread, String message,
                               IThrowableProxy thrown) {
        ObjectNode o = JSON.createObjectNode();
        o.put("timestamp", Instant.ofEpochMilli(timestamp).toString());
        o.put("level", level);
        o.put("logger", logger);
        o.put("thread", thread);
        o.put("message", RedisEndpoint.redact(message));
        if (thrown != null) {
            o.put("exception", RedisEndpoint.redact(oneLine(thrown)));
        }
        try {
            return JSON.writeValueAsString(o) + System.lineSeparator();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a log line as JSON", e);
        }
    }

    /** The exception and its causes as one line: {@code Type: message; caused by Type: message}. */
    static String oneLine(IThrowableProxy thrown) {
        StringBuilder b = new StringBuilder();
        for (IThrowableProxy t = thrown; t != null; t = t.getCause()) {
            if (b.length() > 0) {
                b.append("; caused by ");
            }
            b.append(t.getClassName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " "));
            }
            if (b.length() > 4000) {
                break;
            }
        }
        return b.toString();
    }
}
