package io.keyferry.cli;

import picocli.CommandLine;

import java.util.Arrays;

/** Entry point: builds the command line, runs it, exits with its code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command line in this JVM and returns its exit code (used by demo and tests). */
    public static int execute(String... args) {
        boolean stacktrace = Arrays.asList(args).contains("--stacktrace");
        Errors errors = new Errors(stacktrace);
        CommandLine cl = new CommandLine(new KeyferryCommand())
                .setDefaultValueProvider(new EnvDefaults(System.getenv()))
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpWidth(110);
        return cl.execute(args);
    }
}
