package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.MigrateConfig;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.migrator.MigratorApp;
import io.keyferry.migrator.StoreKeyMigrator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The migrator role (a Kafka Streams app): copies each referenced key to the target, or in "
                + "dry-run says what it would do, and emits one result per key. Start more replicas with the same "
                + "--run to scale out; it runs until stopped (Ctrl-C, SIGTERM).")
final class MigrateCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @ArgGroup(validate = false, heading = "%nMigration%n")
    Options.MigrateArgs migrate = new Options.MigrateArgs();
    @Option(names = "--rps", paramLabel = "N", defaultValue = "0",
            description = "Keys per second for the whole run, shared by all its migrator replicas (0: no limit). Default: ${DEFAULT-VALUE}. Env: KEYFERRY_RPS.")
    double rps;
    @Option(names = "--follow", description = "The run follows its source (scan --follow or run --follow): keys the run "
            + "wrote are rewritten and deleted with their source. Every migrator of such a run needs it. Env: KEYFERRY_FOLLOW.")
    boolean follow;
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
        MigrateConfig config = migrate.config(run, src, dst, rps);
        KafkaSettings settings = kafka.settings();
        int port = ops.port();
        try (Session session = new Session()) {
            var stores = session.migrationStores(config);
            KafkaClients clients = session.kafka(settings);
            new io.keyferry.kafka.ProgressTopic(clients).claim(new io.keyferry.core.model.RunStart(run, config.mode(), config.actor(), config.onConflict(),
                    System.currentTimeMillis()).scoping(config.naming().scopesWorkspaces()));
            var running = new java.util.concurrent.atomic.AtomicReference<MigratorApp>();
            var metrics = new Progress.Counter(session.observe(port, clients, run, "migrate", config.mode().wire(), stores[0],
                    stores[1], () -> running.get() != null && running.get().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING));
            var rate = new io.keyferry.core.rate.RateLimiter(0);
            var migrator = new StoreKeyMigrator(config, stores[0], stores[1], session.backups(config, clients), metrics, rate);
            MigratorApp app = session.own(new MigratorApp(config, clients, migrator, settings.stateDir(), rate, metrics, follow));
            running.set(app);
            app.start();
            System.out.printf("migrator for run %s started (%s); stop it with Ctrl-C%n", run, config.mode().wire());
            var completion = session.own(new io.keyferry.verifier.Completion(clients, run));
            // done counts this replica's keys; the total is the whole run's
            session.own(Progress.start("migrate " + run, run, metrics::processed, Progress.runTotal(completion)));
            while (!session.stopping() && !app.awaitStop(200, TimeUnit.MILLISECONDS)) {
                // waiting for a signal or a fatal error
            }
            if (app.failure() != null) {
                throw new IllegalStateException("the migrator stopped: " + Errors.message(app.failure()), app.failure());
            }
            return Errors.OK;
        }
    }
}
