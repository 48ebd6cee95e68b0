package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.KeyResult;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What a run's summary counts of a verdict, in a Kafka header of its audit record, so that the
 * summary's reader need not read the record's JSON: it reads every verdict of a run while the run
 * goes on, and going over each record's 700-900 bytes of JSON was most of its work. The record
 * itself stays as it was; a record without the header (written by hand, or by an older
 * keyferry), or with one this version does not read, is read as JSON as before.
 *
 * <p>The record's key is the verdict's key: the verifier adds the header only when it is. The
 * values are written by their wire names, not positions, so a header stays readable whatever
 * statuses or verdicts later versions add; one whose names this version does not know is left
 * to the JSON.
 *
 * <p>Format 1: the byte 1; the run (a length byte, then UTF-8); the result's time, the source's
 * read time and the verdict's time (8 bytes each); status, reason (empty: none) and verdict, each
 * a length byte and ASCII.
 */
public final class CountsHeader {
    /** The header's name on an audit record. */
    public static final String NAME = "keyferry.counts";
    private static final byte FORMAT = 1;

    private CountsHeader() {
    }

    /** The header of a verdict; null when its run's name is too long for it (then the JSON says it all). */
    public static byte[] of(AuditRecord a) {
        KeyResult r = a.result();
        byte[] run = r.run().getBytes(StandardCharsets.UTF_8);
        byte[] status = ascii(r.status().wire());
        byte[] reason = r.reason() == null ? new byte[0] : ascii(r.reason().wire());
        byte[] verdict = ascii(a.verdict().wire());
        if (run.length > 255) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 1 + run.length + 24 + 3 + status.length + reason.length + verdict.length);
        b.put(FORMAT).put((byte) run.length).put(run);
        b.putLong(r.atMs()).putLong(r.readAtMs()).putLong(a.atMs());
        b.put((byte) status.length).put(status).put((byte) reason.length).put(reason).put((byte) verdict.length).put(verdict);
        return b.array();
    }

    /**
     * The counts of a header, or null when it is not one this version reads (another format, a
     * name it does not know, bytes that do not add up).
     */
    static Counts read(byte[] h) {
        if (h == null || h.length < 2 || h[0] != FORMAT) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(h);
            b.get();
            String run = new String(bytes(b), StandardCharsets.UTF_8);
            long atMs = b.getLong();
            long readAtMs = b.getLong();
            long verifiedAtMs = b.getLong();
            Status status = Status.of(text(b));
            String reason = text(b);
            Verdict verdict = Verdict.of(text(b));
            if (b.hasRemaining() || (status == Status.SKIPPED) == reason.isEmpty()) {
                return null;
            }
            return new Counts(run, atMs, readAtMs, verifiedAtMs, status, reason.isEmpty() ? null : SkipReason.of(reason), verdict);
        } catch (RuntimeException e) {
            // short, or a name this version does not know: the JSON decides
            return null;
        }
    }

    /** A header's values; the key is the record's. */
    record Counts(String run, long atMs, long readAtMs, long verifiedAtMs, Status status, SkipReason reason, Verdict verdict) {
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.get() & 0xff];
        b.get(out);
        return out;
    }

    private static String text(ByteBuffer b) {
        return new String(bytes(b), StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String wire) {
        return wire.getBytes(StandardCharsets.US_ASCII);
    }
}
