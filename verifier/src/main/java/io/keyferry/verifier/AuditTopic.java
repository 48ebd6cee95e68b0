package io.keyferry.verifier;

import io.keyferry.core.json.BadRecordException;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.RollbackRecord;
import io.keyferry.core.report.CountsHeader;
import io.keyferry.core.report.RunTally;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.TopicReader;
import io.keyferry.kafka.Topics;

import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a run's audit trail back: the source of reports and summaries, whoever wrote it and when. */
public final class AuditTopic {
    private static final Logger LOG = LoggerFactory.getLogger(AuditTopic.class);
    private final KafkaClients clients;

    public AuditTopic(KafkaClients clients) {
        this.clients = clients;
    }

    private java.util.Map<Integer, Long> from(String run) {
        return new io.keyferry.kafka.ProgressTopic(clients).auditFrom(run);
    }

    /** Every committed audit record of {@code run}, from the start of the topic to its current end. */
    public RunTally tally(String run) {
        return tally(run, true);
    }

    /**
     * As {@link #tally(String)}; without {@code records}, a tally for the summary alone (see
     * {@link RunTally#countsOnly}), much cheaper for a run of millions of keys.
     */
    public RunTally tally(String run, boolean records) {
        return tally(run, records, rollback -> { });
    }

    /** As {@link #tally(String, boolean)}, handing {@code rollbacks} the run's rollback records on the way. */
    public RunTally tally(String run, boolean records, Consumer<RollbackRecord> rollbacks) {
        RunTally tally = records ? new RunTally(run) : RunTally.countsOnly(run);
        Skipped skipped = new Skipped(run, rollbacks);
        TopicReader.read(clients, Topics.AUDIT, from(run), r -> add(tally, skipped, r), false, () -> false);
        skipped.log();
        return tally;
    }

    /** One record of the trail; the tally passes over other runs' verdicts itself. */
    private static void add(RunTally tally, Skipped skipped, ConsumerRecord<byte[], byte[]> r) {
        Header counts = r.headers().lastHeader(CountsHeader.NAME);
        if (counts != null && tally.addCounted(r.key(), counts.value())) {
            return;
        }
        try {
            tally.add(r.value());
        } catch (BadRecordException e) {
            // its run read apart only now: one parse for each of the many verdicts, not two
            if (skipped.mayBeOurs(r)) {
                skipped.add(r, e);
            }
        }
    }

    /**
     * As {@link #tally(String, boolean)}, read while the run goes on: the end of a run of a million
     * keys then reads only the last verdicts instead of spending seconds on the whole trail.
     */
    public Following follow(String run, boolean records) {
        return new Following(run, records);
    }

    /** A tally being read on a thread of its own; {@link #finish()} completes it. */
    public final class Following implements AutoCloseable {
        private final String run;
        private final boolean records;
        private final RunTally tally;
        private final Thread thread;
        private volatile boolean finishing;
        private volatile boolean aborted;
        private final java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        private volatile Throwable failure;
        private boolean handedOut;

        private Following(String run, boolean records) {
            this.run = run;
            this.records = records;
            this.tally = records ? new RunTally(run) : RunTally.countsOnly(run);
            Skipped skipped = new Skipped(run, rollback -> { });
            this.thread = new Thread(() -> {
                try {
                    // Before the run has started nothing says where its verdicts begin; reading from
                    // the topic's start would wade through every earlier run's.
                    java.util.Map<Integer, Long> from = from(run);
                    while (from.isEmpty() && !finishing && !aborted) {
                        Thread.sleep(1000);
                        from = from(run);
                    }
                    TopicReader.readUntilFinished(clients, Topics.AUDIT, from, r -> {
                        add(tally, skipped, r);
                        read.incrementAndGet();
                    }, () -> finishing, () -> aborted);
                    skipped.log();
                } catch (Throwable t) {
                    failure = t;
                }
            }, "keyferry-tally-" + run);
            thread.setDaemon(true);
            thread.start();
        }

        /** How many records of the trail (the run's and others' since its start) it has read so far. */
        public long read() {
            return read.get();
        }

        /**
         * Every committed audit record of the run up to the topic's end as of now; call it once the
         * verifiers are done. The caller closes the tally.
         */
        public RunTally finish() throws InterruptedException {
            finishing = true;
            thread.join();
            handedOut = true;
            if (failure != null) {
                // The run is done whatever happened to this reader (the broker away too long):
                // its summary comes from the trail read afresh, as before there was a reader.
                LOG.warn("reading run {}'s audit trail along the way failed ({}); reading it again", run,
                        io.keyferry.core.config.RedisEndpoint.redact(String.valueOf(failure.getMessage())));
                tally.close();
                return tally(run, records);
            }
            return tally;
        }

        @Override
        public void close() throws InterruptedException {
            aborted = true;
            thread.join();
            if (!handedOut) {
                tally.close();
            }
        }
    }

    public void forEach(String run, Consumer<AuditRecord> sink) {
        forEach(run, sink, false, () -> false);
    }

    /** Records on the run's trail that a {@code --follow} run walks its scope again, and why; acknowledged. */
    public void pass(io.keyferry.core.model.PassRecord p) {
        try (var producer = clients.producer("keyferry-pass-" + p.run())) {
            io.keyferry.kafka.Sends.await(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                    clients.topic(Topics.AUDIT), p.scanner().getBytes(java.nio.charset.StandardCharsets.UTF_8), Json.encode(p))));
        }
    }

    /**
     * The run's audit trail as readable lines: verdicts, scan passes and rollback records ({@code
     * mismatchesOnly}: only mismatch verdicts). What the trail holds now comes in time order (the
     * topic's partitions interleave); with {@code follow}, what comes after in the order it is
     * written.
     */
    public void lines(String run, boolean mismatchesOnly, Consumer<String> sink, boolean follow,
                      java.util.function.BooleanSupplier stop) {
        Skipped skipped = new Skipped(run, rollback -> { });
        try (io.keyferry.core.report.SortedLines sorted = new io.keyferry.core.report.SortedLines()) {
            boolean[] atEnd = {false};
            java.util.function.ObjLongConsumer<String> out = (line, time) -> {
                if (atEnd[0]) {
                    sink.accept(line);
                } else {
                    sorted.add(time, line);
                }
            };
            TopicReader.readToEndThenFollow(clients, Topics.AUDIT, from(run), r -> {
                if (!skipped.mayBeOurs(r)) {
                    return;
                }
                try {
                    if ("pass".equals(Json.kindOf(r.value()))) {
                        if (!mismatchesOnly) {
                            io.keyferry.core.model.PassRecord p = Json.decodePass(r.value());
                            out.accept(io.keyferry.core.report.AuditLine.format(p), p.atMs());
                        }
                        return;
                    }
                    if ("rollback".equals(Json.kindOf(r.value()))) {
                        if (!mismatchesOnly) {
                            RollbackRecord rb = Json.decodeRollback(r.value());
                            out.accept(io.keyferry.core.report.AuditLine.format(rb), rb.atMs());
                        }
                        return;
                    }
                    AuditRecord a = Json.decodeAudit(r.value());
                    if (!mismatchesOnly || a.verdict() == io.keyferry.core.model.Verdict.MISMATCH) {
                        out.accept(io.keyferry.core.report.AuditLine.format(a), a.atMs());
                    }
                } catch (BadRecordException e) {
                    skipped.add(r, e);
                }
            }, () -> {
                sorted.drain(sink);
                atEnd[0] = true;
            }, follow, stop);
        }
        skipped.log();
    }

    /**
     * Every audit record of {@code run} from its start; with {@code follow}, goes on delivering new
     * ones as they are committed until {@code stop} says so.
     */
    public void forEach(String run, Consumer<AuditRecord> sink, boolean follow, java.util.function.BooleanSupplier stop) {
        Skipped skipped = new Skipped(run, rollback -> { });
        TopicReader.read(clients, Topics.AUDIT, from(run), r -> {
            if (!skipped.mayBeOurs(r)) {
                return;
            }
            try {
                sink.accept(Json.decodeAudit(r.value()));
            } catch (BadRecordException e) {
                skipped.add(r, e);
            }
        }, follow, stop);
        skipped.log();
    }

    /**
     * Records passed over while reading the trail: those of the run (or of no run at all) that
     * are not verdicts. They are counted and named once, by offset and reason, never by content;
     * other runs' records are theirs and not counted.
     */
    private static final class Skipped {
        private final String run;
        private final Consumer<RollbackRecord> rollbacks;
        private long count;
        private String first;

        Skipped(String run, Consumer<RollbackRecord> rollbacks) {
            this.run = run;
            this.rollbacks = rollbacks;
        }

        boolean mayBeOurs(ConsumerRecord<byte[], byte[]> r) {
            String of = Json.runOf(r.value());
            return of == null || of.equals(run);
        }

        void add(ConsumerRecord<byte[], byte[]> r, BadRecordException e) {
            if ("pass".equals(Json.kindOf(r.value()))) {
                return; // a follow run's scan pass: on the trail by design
            }
            if ("rollback".equals(Json.kindOf(r.value()))) {
                try {
                    rollbacks.accept(Json.decodeRollback(r.value())); // on the trail by design
                } catch (BadRecordException notOne) {
                    // a record calling itself a rollback that is not one: nothing was rolled back
                }
                return;
            }
            if (count++ == 0) {
                first = r.topic() + "/" + r.partition() + "@" + r.offset() + ": " + e.getMessage();
            }
        }

        void log() {
            if (count > 0) {
                LOG.warn("{} records on the audit topic are not verdicts of run {} and were passed over (the first at {})",
                        count, run, first);
            }
        }
    }
}
