package io.keyferry.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A smoke run of the benchmark: it works end to end and keeps its machine-readable last line. No timing is asserted. */
class BenchIT {
    @Test
    void aSmallBenchRunsEveryPhaseAndEndsWithTheMachineReadableLine() {
        Cli.Outcome o = Cli.run("bench --keys 300");

        assertEquals(0, o.exitCode(), o.toString());
        List<String> lines = o.out().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("bench keys=300 ceiling_kps=\\d+ dry_run_kps=\\d+ execute_dump_kps=\\d+ "
                + "execute_struct_kps=\\d+ ratio=\\d+\\.\\d+ heap_mb=\\d+"), last);
        assertTrue(o.out().contains("copied 300,"), "the execute runs copy every key:\n" + o.out());
        long latencies = lines.stream()
                .filter(l -> l.matches("bench: bench-\\d+-(dry|dump|struct): per-key latency, source read to verdict: "
                        + "p50 \\d+ ms, p99 \\d+ ms \\(300 verdicts\\)"))
                .count();
        assertEquals(3, latencies, "each run's latencies over its 300 verdicts:\n" + o.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("bench: heap during the runs \\(every role and the broker in this JVM\\): "
                        + "at most \\d+ MB in use, garbage included; (no full collection|at most \\d+ MB left in use after a "
                        + "full collection \\(\\d+ of them\\))")), o.out());
    }

    @Test
    void theStartupBenchTimesEachCommandAsAProcessOfItsOwnAndEndsWithTheMachineReadableLine() {
        Cli.Outcome o = Cli.run("bench --startup");

        assertEquals(0, o.exitCode(), "every command exited as it should:\n" + o);
        List<String> lines = o.out().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("bench-startup help_s=\\d+\\.\\d\\d version_s=\\d+\\.\\d\\d run_s=\\d+\\.\\d\\d "
                + "status_s=\\d+\\.\\d\\d audit_s=\\d+\\.\\d\\d unknown_s=\\d+\\.\\d\\d"), last);
    }
}
