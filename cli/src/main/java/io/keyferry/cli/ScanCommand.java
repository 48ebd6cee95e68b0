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
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.OpsArgs ops;
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() {
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
            // SCAN cannot tell how many keys match (--max-keys is only a bound); an explicit list can
            long total = config.keys().isEmpty() ? Progress.UNKNOWN
                    : config.maxKeys() > 0 ? Math.min(config.keys().size(), config.maxKeys()) : config.keys().size();
            Progress progress = session.own(Progress.start("scan " + run, run, metrics::scanned, () -> total));
            ScanProgress p = scanner.run(session::stopping);
            progress.close();
            System.out.printf("scan %s of run %s: %d key references published%s%n", scanner.id(), run, p.published(),
                    p.done() ? ", complete" : "; stopped before the end, run it again to resume");
            return p.done() ? Errors.OK : Errors.USAGE;
        }
    }
}
