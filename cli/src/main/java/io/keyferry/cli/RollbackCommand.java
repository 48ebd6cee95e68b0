package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.config.RunId;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.verifier.Rollback;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "rollback", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Undoes what a run wrote, only where the target still holds what the run last wrote: deletes the "
                + "keys it created and restores byte-exact (value and TTL) the keys it replaced or, following its source, "
                + "deleted, from <prefix>.backup. A dry run (the default) lists what it would do.")
final class RollbackCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @ArgGroup(validate = false, heading = "%nTarget Redis%n")
    Options.TargetRedisArgs target = new Options.TargetRedisArgs();
    @Option(names = "--dry-run", description = "List what would be undone, change nothing (the default). Env: KEYFERRY_DRY_RUN.")
    boolean dryRun;
    @Option(names = "--execute", description = "Undo it. Needs --actor. Env: KEYFERRY_EXECUTE.")
    boolean execute;
    @Option(names = "--actor", paramLabel = "NAME", description = "Who rolls back. Env: KEYFERRY_ACTOR.")
    String actor;
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() {
        String run = RunId.check(runArgs.run);
        if (dryRun && execute) {
            throw new ConfigException("--execute", "contradicts --dry-run; give one of them");
        }
        if (execute && (actor == null || actor.isBlank())) {
            throw new ConfigException("--actor", "is required with --execute (who rolls back)");
        }
        RedisEndpoint dst = target.endpoint();
        var settings = kafka.settings();
        try (Session session = new Session()) {
            KafkaClients clients = session.existingKafka(settings);
            Session.requireRun(clients, run);
            var store = session.redis(dst, true, "rollback (to compare and restore byte-exact)");
            Map<Rollback.Action, Integer> counts = new EnumMap<>(Rollback.Action.class);
            new Rollback(clients, store).run(run, execute, actor, s -> {
                String verb;
                if (s.action() == Rollback.Action.LEFT_ALONE || s.action() == Rollback.Action.GONE) {
                    verb = s.action().text();
                } else if (!execute) {
                    verb = "would " + s.action().text();
                } else {
                    verb = s.done() ? s.action().text() + "d" : s.action().text() + " refused: the key changed meanwhile";
                }
                System.out.println(verb + " " + s.targetKey().display());
                counts.merge(s.action(), 1, Integer::sum);
            });
            System.out.printf("rollback run=%s mode=%s%s delete=%d restore=%d left_alone=%d already_gone=%d%n", run,
                    execute ? "execute" : "dry-run", execute ? " actor=" + actor : "",
                    counts.getOrDefault(Rollback.Action.DELETE, 0), counts.getOrDefault(Rollback.Action.RESTORE, 0),
                    counts.getOrDefault(Rollback.Action.LEFT_ALONE, 0), counts.getOrDefault(Rollback.Action.GONE, 0));
            return Errors.OK;
        }
    }
}
