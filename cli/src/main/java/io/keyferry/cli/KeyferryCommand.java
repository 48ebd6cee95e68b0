package io.keyferry.cli;

import picocli.CommandLine.Command;

/** The top-level command: only subcommands. */
@Command(name = "keyferry", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Migrates live key/value data between Redis-protocol stores through Kafka: "
                + "scan -> migrate -> verify, with dry runs, checksums, resume and an audit trail.",
        subcommands = {ScanCommand.class, MigrateCommand.class, VerifyCommand.class, RunCommand.class,
                AuditCommand.class, StatusCommand.class, ReconcileCommand.class, RollbackCommand.class, CutoverCommand.class, DemoCommand.class,
                BenchCommand.class},
        footer = {"", "Every option can also come from KEYFERRY_<OPTION_IN_UPPER_SNAKE>, e.g. KEYFERRY_SOURCE.",
                "Exit codes: 0 all good; 1 bad usage or configuration; 2 the run finished with an error or a mismatch."})
public final class KeyferryCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
