package io.keyferry.core.config;

import java.util.regex.Pattern;

/** A run id names the Kafka consumer groups and transactional ids of the run, so it is kept plain. */
public final class RunId {
    private static final Pattern OK = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private RunId() {
    }

    public static String check(String run) {
        if (run == null || run.isBlank()) {
            throw new ConfigException("--run", "is required (a name for this run, like 2026-11-22-jobs)");
        }
        if (!OK.matcher(run).matches()) {
            throw new ConfigException("--run", "'" + run + "' may use only letters, digits, '.', '_' and '-' (at most 100)");
        }
        return run;
    }
}
