package io.keyferry.cli;

import io.keyferry.core.config.RunId;
import io.keyferry.verifier.RunStatus;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Where a run stands: key references scanned, keys processed, verified, mismatches, each "
                + "consumer group's lag, the current rate and an ETA. Reads the topics only.")
final class StatusCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @picocli.CommandLine.Option(names = "--keys", description = "Also one line per key of the run: its latest status "
            + "and verdict, or pending / unverified (the state of each subject of a --keys-file cohort). Env: KEYFERRY_KEYS.")
    boolean perKey;
    @picocli.CommandLine.Option(names = "--by", paramLabel = "NAME", description = "Also one line per subject: per value of "
            + "NAME, a name the run's --rename captures or its --derive names (e.g. workspace_id): keys, copied, skipped, "
            + "conflicts, errors, mismatches. Env: KEYFERRY_BY.")
    String by;
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        String run = RunId.check(runArgs.run);
        var settings = kafka.settings();
        try (Session session = new Session()) {
            // Everything is read before anything is printed: a read at rest may be done again on a broker.
            String out = session.reading(settings, clients -> {
                Session.requireRun(clients, run);
                StringBuilder lines = new StringBuilder();
                if (perKey) {
                    RunStatus.perKey(clients, run).forEach(l -> lines.append(l).append(System.lineSeparator()));
                }
                if (by != null) {
                    RunStatus.bySubject(clients, run, by).forEach(l -> lines.append(l).append(System.lineSeparator()));
                }
                return lines.append(RunStatus.of(clients, run).render()).toString();
            });
            System.out.print(out);
            return Errors.OK;
        }
    }
}
