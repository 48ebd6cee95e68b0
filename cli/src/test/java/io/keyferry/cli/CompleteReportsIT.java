package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A finished run's report holds every key the scanners published, or the run says it does not:
 * small runs on fresh embedded brokers with every core kept busy (where a transaction's markers
 * reach the audit partitions late, which a reader stopping at the last stable offset would cut
 * off the report), and a trail that lost verdicts.
 */
class CompleteReportsIT {
    private static final int ROUNDS = 4;
    private static final int KEYS = 400;

    private TestRedis source;
    private TestRedis target;
    @TempDir
    Path tmp;

    @BeforeEach
    void startRedis() {
        source = TestRedis.start();
        target = TestRedis.start();
    }

    @AfterEach
    void stopRedis() {
        source.close();
        target.close();
    }

    private void load() {
        var s = source.strings();
        for (int i = 0; i < KEYS; i++) {
            if (i % 3 == 0) {
                s.hset("job:" + i, Map.of("n", Integer.toString(i)));
            } else {
                s.set("job:" + i, "v" + i);
            }
        }
    }

    @Test
    void everySmallRunOnAFreshBrokerWithTheCoresBusyReportsEveryKey() throws Exception {
        load();
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> spinners = new java.util.ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (busy.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "busy-" + i);
            t.setDaemon(true);
            t.start();
            spinners.add(t);
        }
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                Path state = tmp.resolve("state-" + round); // a fresh embedded broker each round
                Path report = tmp.resolve("dry-" + round + ".csv");
                Cli.Outcome o = Cli.run("run --run fresh-" + round + " --dry-run --match job:* --partitions 6 --report " + report
                        + " --source " + source.uri() + " --target " + target.uri() + " --state-dir " + state);
                assertEquals(0, o.exitCode(), "round " + round + ": " + o);
                assertEquals(KEYS, o.count("scanned"), "round " + round + ": " + o);
                assertEquals(KEYS, o.count("verdict_not_applicable"), "round " + round);
                assertEquals(KEYS + 1, Files.readAllLines(report).size(), "round " + round + ": one line per key");
            }
        } finally {
            busy.set(false);
            for (Thread t : spinners) {
                t.join();
            }
        }
    }

    @Test
    void aReportShortOfPublishedKeysIsAnErrorThatSaysHowManyAreMissing() throws Exception {
        load();
        try (TestKafka kafka = TestKafka.start()) {
            String endpoints = " --source " + source.uri() + " --target " + target.uri() + " --bootstrap-servers "
                    + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state") + " --partitions 3";
            Cli.Outcome run = Cli.run("run --run lost-1 --execute --actor it --match job:*" + endpoints);
            assertEquals(0, run.exitCode(), run.toString());
            assertEquals(KEYS, run.count("copied"));

            // Verdicts of one partition lost (retention, or someone deleting records): the trail
            // no longer covers the run.
            long lost;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicPartition p0 = new TopicPartition("keyferry.audit", 0);
                long end = admin.listOffsets(Map.of(p0, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(p0).offset();
                admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(end))).all().get(30, TimeUnit.SECONDS);
                lost = end;
            }
            assertTrue(lost > 0, "partition 0 held verdicts");

            Path report = tmp.resolve("again.csv");
            Cli.Outcome verify = Cli.run("verify --run lost-1 --until-complete --report " + report + endpoints);
            assertEquals(2, verify.exitCode(), verify.toString());
            Matcher m = Pattern.compile("keyferry: the report is incomplete: (\\d+) of the (\\d+) keys the scanners published "
                    + "have no verdict in it").matcher(verify.err());
            assertTrue(m.find(), verify.err());
            long missing = Long.parseLong(m.group(1));
            assertEquals(KEYS, Long.parseLong(m.group(2)));
            assertEquals(KEYS - verify.count("scanned"), missing, "what the report lacks is what is missing");
            assertEquals(KEYS - missing + 1, Files.readAllLines(report).size());
        }
    }
}
