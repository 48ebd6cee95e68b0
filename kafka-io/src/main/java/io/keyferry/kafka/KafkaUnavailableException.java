package io.keyferry.kafka;

/** Kafka cannot be reached or refused an operation keyferry needs. */
public class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
