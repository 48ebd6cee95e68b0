package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.config.VerifyConfig;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.migrator.MigratorApp;
import io.keyferry.migrator.StoreKeyMigrator;
import io.keyferry.producer.Scanner;
import io.keyferry.verifier.VerifierApp;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Scan, migrate and verify in one process, for a one-machine job; ends with the summary "
                + "(and the report) once every key has a verdict. Without --bootstrap-servers it starts an "
                + "embedded Kafka broker under --state-dir, so a killed run started again with the same --run resumes.")
final class RunCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @ArgGroup(validate = false, heading = "%nKey selection%n")
    Options.ScanArgs scan = new Options.ScanArgs();
    @ArgGroup(validate = false, heading = "%nMigration%n")
    Options.MigrateArgs migrate = new Options.MigrateArgs();
    @ArgGroup(validate = false, heading = "%nVerification%n")
    Options.VerifyArgs verify = new Options.VerifyArgs();
    @Option(names = "--rps", paramLabel = "N", defaultValue = "0",
            description = "Keys per second for the run, shared by all its migrator replicas (0: no limit). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_RPS.")
    double rps;
    @Option(names = "--scan-rps", paramLabel = "N", defaultValue = "0",
            description = "Key references per second for the scanner (0: no limit). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_SCAN_RPS.")
    double scanRps;
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
        RedisEndpoint dst = target.endpoint();
        ScanConfig scanConfig = scan.config(run, src, scanRps);
        MigrateConfig migrateConfig = migrate.config(run, src, dst, rps);
        VerifyConfig verifyConfig = verify.config(run, src, dst, true);
        KafkaSettings settings = kafka.settings();
        int port = ops.port();
        Options.requireWorkspaceScope(scanConfig, migrateConfig.naming());
        try (Session session = new Session()) {
            var broker = session.brokerStarting(settings);
            // Each role gets its own connections, as it would in its own process.
            var scanSource = session.redis(src);
            var migrateStores = session.migrationStores(migrateConfig);
            var verifySource = session.redis(src);
            var verifyTarget = session.redis(dst);
            KafkaClients clients = session.kafka(settings, broker);
            var earlier = new io.keyferry.kafka.ProgressTopic(clients).claim(new io.keyferry.core.model.RunStart(run,
                    migrateConfig.mode(), migrateConfig.actor(), migrateConfig.onConflict(), System.currentTimeMillis())
                    .scoping(migrateConfig.naming().scopesWorkspaces()));
            if (earlier.end() != null) {
                // Finished before: nothing to scan, copy or verify again; its numbers come from its trail.
                System.out.printf("run %s finished at %s (%s); nothing left to do. Its summary:%n", run,
                        java.time.Instant.ofEpochMilli(earlier.end().atMs()), migrateConfig.mode().wire());
                var trail = session.own(Reporting.follow(clients, run, verifyConfig.report()));
                return Reporting.finish(trail, verifyConfig.report(),
                        tally -> io.keyferry.verifier.Coverage.of(clients, run, earlier.scanners(), tally));
            }
            System.out.printf("run %s: %s, source %s, target %s%n", run, migrateConfig.mode().wire(), src, dst);
            var following = session.own(Reporting.follow(clients, run, verifyConfig.report()));

            var running = new java.util.concurrent.atomic.AtomicReference<MigratorApp>();
            var metrics = new Progress.Counter(session.observe(port, clients, run, "run", migrateConfig.mode().wire(),
                    migrateStores[0], migrateStores[1],
                    () -> running.get() != null && running.get().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING,
                    scanConfig.workspace()));
            var rate = new io.keyferry.core.rate.RateLimiter(0);
            boolean follow = followArgs.follow;
            MigratorApp migrator = session.own(new MigratorApp(migrateConfig, clients,
                    new StoreKeyMigrator(migrateConfig, migrateStores[0], migrateStores[1],
                            session.backups(migrateConfig, clients), metrics, rate), settings.stateDir(), rate, metrics, follow));
            running.set(migrator);
            migrator.start();

            AtomicReference<Throwable> scanFailure = new AtomicReference<>();
            Scanner scanner = new Scanner(scanConfig, scanSource, clients, metrics);
            io.keyferry.producer.Follower follower = null;
            int partitions = 0;
            if (follow) {
                partitions = Options.FollowArgs.keysPartitions(clients);
                // Subscribed before the snapshot's first SCAN: a change made while it walks is heard.
                follower = session.own(io.keyferry.producer.Follower.start(scanConfig, src, followArgs.setNotifyConfig, clients,
                        metrics, partitions));
                scanner.alignedTo(partitions);
            }
            Thread scanThread = new Thread(() -> {
                try {
                    scanner.run(session::stopping);
                } catch (Throwable t) {
                    scanFailure.set(t);
                }
            }, "keyferry-scan");
            scanThread.start();

            VerifierApp verifier = session.own(new VerifierApp(verifyConfig, clients, verifySource, verifyTarget, metrics));
            var completion = session.own(new io.keyferry.verifier.Completion(clients, run));
            Progress progress = session.own(Progress.start("run " + run, run, metrics::verified, Progress.runTotal(completion)));
            if (followArgs.follow) {
                progress.following(metrics::lagMs);
            }
            boolean complete;
            CutOver cutOver = null;
            if (follow) {
                var f = follower;
                // A run that followed before: what changed while it was down was not heard.
                boolean resumed = !earlier.scanners().isEmpty();
                cutOver = session.own(new CutOver(clients, run, follower, scanConfig, scanSource, metrics, partitions, completion,
                        resumed, session::stopping));
                var c = cutOver;
                System.out.printf("run %s: following the source's changes until keyferry cutover --run %s%n", run, run);
                System.out.flush();
                verifier.run(() -> session.stopping() || scanFailure.get() != null || migrator.failure() != null
                        || f.failure() != null || c.failure() != null || c.done(), false);
                complete = c.done();
            } else {
                complete = verifier.run(
                        () -> session.stopping() || scanFailure.get() != null || migrator.failure() != null, true);
            }
            progress.close();
            session.stop();
            scanThread.join();
            if (scanFailure.get() != null) {
                throw new IllegalStateException("the scanner failed: " + Errors.message(scanFailure.get()), scanFailure.get());
            }
            if (migrator.failure() != null) {
                throw new IllegalStateException("the migrator failed: " + Errors.message(migrator.failure()), migrator.failure());
            }
            if (follower != null && follower.failure() != null) {
                throw new IllegalStateException("following the source failed: " + Errors.message(follower.failure()), follower.failure());
            }
            if (cutOver != null && cutOver.failure() != null) {
                throw new IllegalStateException("the cut-over failed: " + Errors.message(cutOver.failure()), cutOver.failure());
            }
            if (!complete) {
                System.out.printf("run %s stopped before it was complete; run it again with --run %s to resume%n", run, run);
                return Errors.USAGE;
            }
            var scanners = completion.scanners();
            // Complete: the verifier and the migrator have nothing left to do; they leave their groups
            // while the report is read (their closes are idempotent: the session closes them again,
            // as after a failure). The migrator only once its group has settled: Streams closing while
            // its group still rebalances after its start waits for that rebalance, seconds more.
            boolean migratorSettled = migrator.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING;
            Thread closingVerifier = new Thread(verifier::close, "keyferry-close-verifier");
            closingVerifier.start();
            Thread closingMigrator = new Thread(() -> {
                if (migratorSettled) {
                    migrator.close();
                }
            }, "keyferry-close-migrator");
            closingMigrator.start();
            // Cut over: whether the target is the image is the cutover command's answer (its exit 2),
            // which the summary says too; this run did what it was for. A report short of keys is
            // still an error.
            int code = Reporting.finish(following, verifyConfig.report(),
                    tally -> io.keyferry.verifier.Coverage.of(clients, run, scanners, tally), follow);
            closingVerifier.join();
            closingMigrator.join();
            return code;
        }
    }
}
