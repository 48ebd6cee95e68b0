package io.keyferry.core.config;

/** Bad usage or configuration: the message starts with the option it is about. Exit code 1. */
public class ConfigException extends RuntimeException {
    public ConfigException(String option, String problem) {
        super(option + ": " + problem);
    }
}
