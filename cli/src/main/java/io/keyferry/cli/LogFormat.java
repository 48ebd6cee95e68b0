package io.keyferry.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.pattern.CompositeConverter;
import ch.qos.logback.core.spi.FilterReply;
import com.fasterxml.jackson.core.JsonStreamContext;
import io.keyferry.core.config.RedisEndpoint;
import net.logstash.logback.mask.ValueMasker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Locale;

/**
 * How log lines look on stderr: plain text, or with {@code --log-format json} one JSON object per
 * line (logstash-logback-encoder; logback.xml names the fields). Whatever the format, URL
 * passwords are masked on the way out ({@link Redact}, {@link RedactingMasker}), the last stop
 * before stderr, so no logger anywhere can leak one.
 */
public final class LogFormat {
    /** Chosen by {@code --log-format}; one per process, as logback's configuration is. */
    private static volatile Format format = Format.TEXT;
    private static final Logger PROGRESS = LoggerFactory.getLogger("keyferry.progress");

    private LogFormat() {
    }

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

    /**
     * A line that is not a logging event (the progress line) in the current format: as it is, on
     * {@code err}, for text; through the {@code keyferry.progress} logger, a JSON object like any
     * other log line, for json.
     */
    static void line(PrintStream err, String message) {
        if (format == Format.JSON) {
            PROGRESS.info(message);
        } else {
            err.print(RedisEndpoint.redact(message) + System.lineSeparator());
            err.flush();
        }
    }

    /** Lets through only the events of the appender whose format is the one chosen. */
    public static final class Only extends Filter<ILoggingEvent> {
        private Format of = Format.TEXT;

        public void setFormat(String value) {
            of = Format.of(value);
        }

        @Override
        public FilterReply decide(ILoggingEvent event) {
            return format == of ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
    }

    /** {@code %redact(...)}: what its pattern renders, URL passwords masked. */
    public static final class Redact extends CompositeConverter<ILoggingEvent> {
        @Override
        protected String transform(ILoggingEvent event, String in) {
            return RedisEndpoint.redact(in);
        }
    }

    /** Masks URL passwords in every text value of a JSON log line (message and stack trace included). */
    public static final class RedactingMasker implements ValueMasker {
        @Override
        public Object mask(JsonStreamContext context, Object value) {
            if (value instanceof CharSequence text) {
                String redacted = RedisEndpoint.redact(text.toString());
                return redacted.contentEquals(text) ? null : redacted;
            }
            return null;
        }
    }
}
