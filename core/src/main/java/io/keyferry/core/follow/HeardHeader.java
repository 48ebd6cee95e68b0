package io.keyferry.core.follow;

import java.nio.ByteBuffer;

/**
 * When a {@code --follow} run heard a change (epoch ms, 8 bytes big-endian): a header on the
 * change's key reference, which the migrator passes on to its result, so the verifier can measure
 * the follow lag from the change to its verdict.
 */
public final class HeardHeader {
    public static final String NAME = "keyferry-heard-ms";

    private HeardHeader() {
    }

    public static byte[] of(long heardMs) {
        return ByteBuffer.allocate(Long.BYTES).putLong(heardMs).array();
    }

    /** The time in the header, or -1 when it is not one of ours. */
    public static long read(byte[] value) {
        return value == null || value.length != Long.BYTES ? -1 : ByteBuffer.wrap(value).getLong();
    }
}
