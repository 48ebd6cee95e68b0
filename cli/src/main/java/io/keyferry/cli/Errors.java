package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.kafka.KafkaUnavailableException;
import io.keyferry.redis.RedisUnavailableException;
import picocli.CommandLine;

import java.io.PrintWriter;

/** The one place that turns a failure into a one-line message and an exit code. */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int OK = 0;
    static final int USAGE = 1;
    static final int RUN_FAILED = 2;

    private final boolean stacktrace;

    Errors(boolean stacktrace) {
        this.stacktrace = stacktrace;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("keyferry: " + RedisEndpoint.redact(e.getMessage()) + " (see: "
                + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println("keyferry: " + message(e));
        if (stacktrace) {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(RedisEndpoint.redact(trace.toString()));
        }
        err.flush();
        return USAGE;
    }

    static String message(Throwable e) {
        if (e instanceof ConfigException || e instanceof RedisUnavailableException || e instanceof KafkaUnavailableException) {
            return RedisEndpoint.redact(e.getMessage());
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + root.getMessage();
        return RedisEndpoint.redact(m);
    }
}
