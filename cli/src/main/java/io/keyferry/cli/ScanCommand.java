package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.producer.Scanner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The producer role: SCANs the source (or reads an explicit key list) and publishes key "
                + "references; checkpoints after every page, so running it again with the same --run resumes.")
final class ScanCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nKey selection%n")
    Options.ScanArgs scan = new Options.ScanArgs();
    @Option(names = "--rps", paramLabel = "N", defaultValue = "0",
            description = "Publish at most N key references per second (0: no limit). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_RPS.")
    double rps;
    @ArgGroup(validate = false, heading = "%nLive sync%n")
    Options.FollowArgs followArgs = new Options.FollowArgs();
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.OpsArgs ops;
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        String run = RunId.check(runArgs.run);
        RedisEndpoint src = source.endpoint();
        ScanConfig config = scan.config(run, src, rps);
        KafkaSettings settings = kafka.settings();
        int port = ops.port();
        try (Session session = new Session()) {
            var store = session.redis(src); // a bad source fails before anything is written to Kafka
            KafkaClients clients = session.kafka(settings);
            var started = new io.keyferry.kafka.ProgressTopic(clients).state(run).start();
            if (config.workspace() != null && started != null && Boolean.FALSE.equals(started.scopesWorkspaces())) {
                throw new io.keyferry.core.config.ConfigException("--workspace", "run " + run + "'s migrators capture no "
                        + "{workspace_id} with --rename and derive none with --derive, so they cannot keep to one workspace");
            }
            var metrics = new Progress.Counter(session.observe(port, clients, run, "scan", null, store, null, () -> true,
                    config.workspace()));
            Scanner scanner = new Scanner(config, store, clients, metrics);
            io.keyferry.producer.Follower follower = null;
            int partitions = 0;
            boolean resumed = false;
            if (followArgs.follow) {
                partitions = Options.FollowArgs.keysPartitions(clients);
                resumed = !new io.keyferry.kafka.ProgressTopic(clients).state(run).scanners().isEmpty();
                // Subscribed before the snapshot's first SCAN: a change made while it walks is heard.
                follower = session.own(io.keyferry.producer.Follower.start(config, src, followArgs.setNotifyConfig, clients, metrics,
                        partitions));
                scanner.alignedTo(partitions);
            }
            // SCAN cannot tell how many keys match (--max-keys is only a bound); an explicit list can
            long total = config.keys().isEmpty() ? Progress.UNKNOWN
                    : config.maxKeys() > 0 ? Math.min(config.keys().size(), config.maxKeys()) : config.keys().size();
            Progress progress = session.own(Progress.start("scan " + run, run, metrics::scanned, () -> total));
            ScanProgress p = scanner.run(session::stopping);
            if (follower != null && p.done()) {
                progress.close();
                return follow(session, clients, run, config, store, metrics, follower, partitions, resumed);
            }
            progress.close();
            System.out.printf("scan %s of run %s: %d key references published%s%n", scanner.id(), run, p.published(),
                    p.done() ? ", complete" : "; stopped before the end, run it again to resume");
            return p.done() ? Errors.OK : Errors.USAGE;
        }
    }

    /**
     * After the snapshot: the scope's changes go on being published, and a cut-over is carried out
     * here (the run's migrators and verifiers work on as they are), until cut over or stopped.
     */
    private static int follow(Session session, KafkaClients clients, String run, ScanConfig config,
                              io.keyferry.redis.RedisStore store, Progress.Counter metrics, io.keyferry.producer.Follower follower,
                              int partitions, boolean resumed) throws InterruptedException {
        var completion = session.own(new io.keyferry.verifier.Completion(clients, run));
        CutOver cutOver = session.own(new CutOver(clients, run, follower, config, store, metrics, partitions, completion, resumed,
                session::stopping));
        System.out.printf("scan of run %s: snapshot published; following the source's changes until keyferry cutover --run %s%n",
                run, run);
        System.out.flush();
        while (!session.stopping() && !cutOver.done() && follower.failure() == null && cutOver.failure() == null) {
            Thread.sleep(100);
        }
        if (follower.failure() != null) {
            throw new IllegalStateException("following the source failed: " + Errors.message(follower.failure()), follower.failure());
        }
        if (cutOver.failure() != null) {
            throw new IllegalStateException("the cut-over failed: " + Errors.message(cutOver.failure()), cutOver.failure());
        }
        if (!cutOver.done()) {
            System.out.printf("scan of run %s stopped while following; run it again to go on (it walks the scope again)%n", run);
            return Errors.USAGE;
        }
        System.out.printf("scan of run %s: cut over; %d changes followed%n", run, follower.published());
        return Errors.OK;
    }
}
