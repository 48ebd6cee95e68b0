package io.keyferry.redis;

/** A Redis endpoint cannot be reached or refused us; the message names the option, never a password. */
public class RedisUnavailableException extends RuntimeException {
    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
