package io.keyferry.cli;

import io.keyferry.core.config.RunId;
import io.keyferry.verifier.AuditTopic;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints a run's audit records as lines: verdict, status, key -> target key, type, sizes and "
                + "short hashes, and what a rollback did. With --follow it keeps printing new ones until interrupted.")
final class AuditCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @Option(names = "--mismatches", description = "Only mismatch verdicts. Env: KEYFERRY_MISMATCHES.")
    boolean mismatches;
    @Option(names = "--follow", description = "Keep following new records. Env: KEYFERRY_FOLLOW.")
    boolean follow;
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        String run = RunId.check(runArgs.run);
        var settings = kafka.settings();
        try (Session session = new Session()) {
            Session.Reading<Integer> audit = clients -> {
                Session.requireRun(clients, run);
                new AuditTopic(clients).lines(run, mismatches, line -> {
                    System.out.println(line);
                    System.out.flush();
                }, follow, session::stopping);
                return Errors.OK;
            };
            // Following waits for records a running broker may still get; reading a finished trail need not start one.
            return follow ? audit.apply(session.existingKafka(settings)) : session.reading(settings, audit);
        }
    }
}
