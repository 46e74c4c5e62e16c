package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command and sub-command answers -h and --help with its usage and exit 0, even with required parameters missing. */
class HelpOptionTest {
    @TempDir Path home;

    /** The path of every command in the tree, aliases included, e.g. [], [init], [help]. */
    private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> p = new ArrayList<>(path);
            p.add(name);
            walk(sub, p, out);
        });
    }

    private CliRun run(List<String> args) {
        return CliRun.of(new Home(home), args.toArray(new String[0]));
    }

    @Test
    void everyCommandInTheTreeAnswersBothHelpOptions() {
        List<List<String>> paths = new ArrayList<>();
        walk(Cli.create(new Meros(new Home(home)), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), List.of(), paths);
        assertTrue(paths.size() > 20, "the whole tree was walked: " + paths);
        assertTrue(paths.contains(List.of("init")) && paths.contains(List.of("snapshot")) && paths.contains(List.of("script")), paths.toString());
        for (List<String> path : paths) {
            for (String option : List.of("-h", "--help")) {
                List<String> args = new ArrayList<>(path);
                args.add(option);
                CliRun r = run(args);
                String shown = String.join(" ", args);
                assertEquals(0, r.code(), shown + "\nout: " + r.out() + "\nerr: " + r.err());
                assertEquals("", r.err(), shown);
                assertTrue(r.out().contains("Usage: meros" + (path.isEmpty() ? " " : " " + String.join(" ", path) + " ")), shown + ":\n" + r.out());
                assertTrue(r.out().contains("-h, --help"), shown + " lists the option:\n" + r.out());
            }
        }
    }

    @Test
    void helpWinsOverMissingRequiredParameters() {
        CliRun r = run(List.of("init", "--help"));
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: meros init "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void helpAfterOtherArgumentsStillShowsUsage() {
        CliRun r = run(List.of("snapshot", "lab", "-h"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Usage: meros snapshot "), r.out());
    }

    @Test
    void aUsageErrorPointsAtAHelpOptionThatWorks() {
        CliRun r = run(List.of("init"));
        assertEquals(2, r.code());
        assertEquals("error: Missing required parameter: '<constellation>' ('meros init --help' shows its usage)\n", r.err());
        assertEquals(0, run(List.of("init", "--help")).code());
    }
}
