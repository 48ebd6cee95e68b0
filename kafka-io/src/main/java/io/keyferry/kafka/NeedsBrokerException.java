package io.keyferry.kafka;

/** A question about {@link StoredTopics} that only a running broker can answer; the caller asks one instead. */
public final class NeedsBrokerException extends RuntimeException {
    public NeedsBrokerException(String what) {
        super(what);
    }
}
