package io.keyferry.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/configuration.md cannot drift from --help: it must hold every command's help verbatim. */
class ConfigurationDocTest {
    @Test
    void theConfigurationReferenceHoldsTheCurrentHelpOfEveryCommand() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        for (String command : List.of("", "scan", "migrate", "verify", "run", "audit", "status", "reconcile", "rollback", "demo", "bench")) {
            Cli.Outcome help = command.isEmpty() ? Cli.run("--help") : Cli.run(command + " --help");
            assertEquals(0, help.exitCode());
            assertTrue(doc.contains("```text\n" + help.out() + "```"),
                    "docs/configuration.md is out of date for '" + command + " --help'; regenerate it (see its first lines)");
        }
    }
}
