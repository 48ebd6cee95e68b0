package io.keyferry.cli;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Locale;
import java.util.Map;

/**
 * Every option can come from {@code KEYFERRY_<OPTION_IN_UPPER_SNAKE>}: {@code --bootstrap-servers}
 * reads {@code KEYFERRY_BOOTSTRAP_SERVERS}. A value on the command line wins over the environment.
 */
public final class EnvDefaults implements IDefaultValueProvider {
    private final Map<String, String> env;

    public EnvDefaults(Map<String, String> env) {
        this.env = env;
    }

    public static String variable(String longName) {
        return "KEYFERRY_" + longName.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec o) {
            String v = env.get(variable(o.longestName()));
            if (v != null) {
                return v;
            }
        }
        return arg.defaultValue();
    }
}
