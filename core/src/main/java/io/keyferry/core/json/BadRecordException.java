package io.keyferry.core.json;

/** A topic record that is not what keyferry wrote: not JSON, wrong schema, or another run's. */
public class BadRecordException extends Exception {
    public BadRecordException(String reason) {
        super(reason);
    }
}
