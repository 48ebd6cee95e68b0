package io.keyferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs one keyferry command line in this JVM, capturing what it prints. */
final class Cli {
    private Cli() {
    }

    record Outcome(int exitCode, String out, String err) {
        /** A number from the machine-readable summary line, e.g. {@code count("copied")}. */
        long count(String name) {
            Matcher m = Pattern.compile("(?m)^summary .*\\b" + Pattern.quote(name) + "=(\\d+)").matcher(out);
            if (!m.find()) {
                throw new AssertionError("no " + name + "= in the summary of:\n" + out + "\n" + err);
            }
            return Long.parseLong(m.group(1));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Splits like a shell would for our simple lines: single quotes group, nothing else is special. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }

    /**
     * A command as its own JVM (as ops start the roles), at -Xmx512m, stdout and stderr into
     * {@code log}, logging at {@code level} (INFO, DEBUG: what the test wants to read there).
     */
    static Process spawn(java.nio.file.Path log, String level, String... args) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(EndToEndIT.javaCommand(args)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("KEYFERRY_LOG_LEVEL", level);
        return pb.start();
    }

    static synchronized Outcome run(String line, String... more) {
        List<String> args = new ArrayList<>(words(line));
        args.addAll(Arrays.asList(more));
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute(args.toArray(new String[0]));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Outcome o = new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.println("$ keyferry " + String.join(" ", args) + "\n" + o);
        return o;
    }
}
