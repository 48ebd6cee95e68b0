package io.keyferry.cli;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RunId;
import io.keyferry.core.json.Json;
import io.keyferry.core.model.Cutover;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.local.EmbeddedBroker;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "cutover", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Ends a run --follow: once no change has come for --quiet-for seconds (stop the application's "
                + "writes first) and every change has a verdict, the run looks once more at every key its follow phase "
                + "touched and stops. Prints 'cutover run=ID keys=N changes=M mismatches=K lag_ms=L' last; exit 0 when the "
                + "target is the source scope's image, 2 when not, 1 on error or timeout.")
final class CutoverCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nRun%n")
    Options.RunArgs runArgs = new Options.RunArgs();
    @Option(names = "--quiet-for", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds without a change of the source scope before the run cuts over. Default: ${DEFAULT-VALUE}. "
                    + "Env: KEYFERRY_QUIET_FOR.")
    double quietFor;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Give up (exit 1; the run goes on following) when not cut over within this many seconds. "
                    + "Default: ${DEFAULT-VALUE}. Env: KEYFERRY_TIMEOUT.")
    double timeout;
    @ArgGroup(validate = false, heading = "%nKafka%n")
    Options.KafkaArgs kafka = new Options.KafkaArgs();
    @Mixin
    Options.CommonArgs common;

    @Override
    public Integer call() throws Exception {
        String run = RunId.check(runArgs.run);
        if (!(quietFor >= 0) || quietFor > 86_400) {
            throw new ConfigException("--quiet-for", "must be between 0 and 86400 seconds, got " + quietFor);
        }
        if (!(timeout > 0) || timeout > 7 * 86_400) {
            throw new ConfigException("--timeout", "must be more than 0 and at most 604800 seconds, got " + timeout);
        }
        var settings = kafka.settings();
        if (settings.embedded() && EmbeddedBroker.runningAt(settings.stateDir().resolve("kafka")).isEmpty()) {
            throw new ConfigException("--state-dir", "no keyferry run is running on " + settings.stateDir()
                    + ": cutover asks a running run --follow to cut over");
        }
        try (Session session = new Session()) {
            KafkaClients clients = session.kafka(settings);
            ProgressTopic.State state = Session.requireRun(clients, run);
            if (state.cutoverDone() != null) {
                return answer(state.cutoverDone());
            }
            if (state.end() != null) {
                throw new ConfigException("--run", "run " + run + " finished at " + java.time.Instant.ofEpochMilli(state.end().atMs())
                        + " without following its source: there is nothing to cut over");
            }
            long now = System.currentTimeMillis();
            long deadline = now + (long) (timeout * 1000);
            Cutover.Request request = new Cutover.Request(run, (long) (quietFor * 1000), deadline, now);
            ProgressTopic progress = new ProgressTopic(clients);
            progress.cutover(Cutover.Request.recordKey(run), Json.encode(request));
            System.out.printf("cutover of run %s asked: waiting for %s s without a change, then for every verdict%n", run,
                    quietFor);
            System.out.flush();
            try (ProgressTopic.Follower follower = progress.follow(run)) {
                while (System.currentTimeMillis() < deadline && !session.stopping()) {
                    Cutover.Done done = follower.now().cutoverDone();
                    if (done != null && done.atMs() >= request.atMs()) {
                        return answer(done);
                    }
                    Thread.sleep(200);
                }
            }
            if (session.stopping()) {
                return Errors.USAGE;
            }
            System.err.printf("keyferry: run %s was not cut over within %s s (is its run --follow still running, and have "
                    + "the source's writes stopped?)%n", run, timeout);
            return Errors.USAGE;
        }
    }

    private static int answer(Cutover.Done done) {
        System.out.println(done.line());
        return done.image() ? Errors.OK : Errors.RUN_FAILED;
    }
}
