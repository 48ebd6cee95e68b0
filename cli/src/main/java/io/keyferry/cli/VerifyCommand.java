package io.keyferry.cli;

import io.keyferry.core.config.KafkaSettings;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.core.config.VerifyConfig;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.verifier.VerifierApp;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The verifier role: compares source and target for every result, writes verdicts to the "
                + "audit topic and, at the end, the report. Runs until stopped, or with --until-complete until "
                + "every key of the run has a verdict.")
final class VerifyCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @ArgGroup(validate = false, heading = "%nSource Redis%n")
    Options.SourceRedisArgs source = new Options.SourceRedisArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @ArgGroup(validate = false, heading = "%nVerification%n")
    Options.VerifyArgs verify = new Options.VerifyArgs();
    @Option(names = "--until-complete", description = "Exit with the summary once the run is complete. Env: KEYFERRY_UNTIL_COMPLETE.")
    boolean untilComplete;
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
        VerifyConfig config = verify.config(run, src, dst, untilComplete);
        KafkaSettings settings = kafka.settings();
        int port = ops.port();
        try (Session session = new Session()) {
            var s = session.redis(src);
            var t = session.redis(dst);
            KafkaClients clients = session.kafka(settings);
            var metrics = new Progress.Counter(session.observe(port, clients, run, "verify", null, s, t, () -> true));
            VerifierApp app = session.own(new VerifierApp(config, clients, s, t, metrics));
            var completion = session.own(new io.keyferry.verifier.Completion(clients, run));
            Progress progress = session.own(Progress.start("verify " + run, run, metrics::verified, Progress.runTotal(completion)));
            // Until complete, the summary's tally is read as the verdicts come; otherwise at the end.
            var following = untilComplete ? session.own(Reporting.follow(clients, run, config.report())) : null;
            boolean complete = app.run(session::stopping, untilComplete);
            progress.close();
            if (untilComplete && !complete) {
                System.out.println("verify stopped before the run was complete; start it again to go on");
                return Errors.USAGE;
            }
            var scanners = completion.scanners();
            return Reporting.finish(following != null ? following : session.own(Reporting.follow(clients, run, config.report())),
                    config.report(), complete ? tally -> io.keyferry.verifier.Coverage.of(clients, run, scanners, tally) : null);
        }
    }
}
