package meros.cli;

import meros.core.Meros;
import org.junit.jupiter.api.Test;
import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A usage error is one line naming the help option of the command it concerns, exit 2, for every command. */
class UsageErrorLineTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "demo", "box");
    }

    /** Each command line and the one line it prints on standard error. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(List.of("validate"),
                        "error: Missing required parameter: '<constellation>' ('meros validate --help' shows its usage)"),
                Arguments.of(List.of("validate", "demo", "demo"),
                        "error: Unmatched argument at index 2: 'demo' ('meros validate --help' shows its usage)"),
                Arguments.of(List.of("help", "nosuch"), "error: Unknown subcommand 'nosuch' ('meros --help' shows its usage)"),
                Arguments.of(List.of("pause", "demo"), "error: Missing required parameter: '<vm>' ('meros pause --help' shows its usage)"),
                Arguments.of(List.of("shutdown", "--nosuch", "demo"),
                        "error: Unknown option: '--nosuch' ('meros shutdown --help' shows its usage)"),
                Arguments.of(List.of("shutdown", "demo", "--forse"),
                        "error: Unknown option: '--forse' (did you mean --force?; 'meros shutdown --help' shows its usage)"),
                Arguments.of(List.of("-V", "extra"), "error: Unmatched argument at index 1: 'extra' (did you mean graph?; 'meros --help' shows its usage)"),
                Arguments.of(List.of("--help", "extra"), "error: Unmatched argument at index 1: 'extra' (did you mean graph?; 'meros --help' shows its usage)"),
                Arguments.of(List.of("help", "validate", "extra"), "error: Unmatched argument at index 2: 'extra' ('meros help --help' shows its usage)"),
                Arguments.of(List.of("validate", "--help", "demo", "extra"), "error: Unmatched argument at index 3: 'extra' ('meros validate --help' shows its usage)"),
                Arguments.of(List.of("snapshot", "save"),
                        "error: Missing required parameter: '<constellation>' ('meros snapshot --help' shows its usage)"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aUsageErrorIsOneLineWithExit2(List<String> args, String line) {
        CliRun r = CliRun.of(home, args.toArray(new String[0]));
        assertEquals(new CliRun(2, "", line + "\n"), r);
    }

    /** Every command (and sub-command) with a required parameter, run without any: one line, exit 2. */
    @Test
    void everyCommandMissingAParameterSaysSoInOneLine() {
        CommandLine tree = Cli.create(new Meros(home), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        List<List<String>> commands = new ArrayList<>();
        collect(tree, new ArrayList<>(), commands);
        int checked = 0;
        for (List<String> cmd : commands) {
            CliRun r = CliRun.of(home, cmd.toArray(new String[0]));
            if (r.code() != 2) continue;
            checked++;
            assertEquals(1, r.err().lines().count(), cmd + ": " + r.err());
            String qualified = "meros " + String.join(" ", cmd);
            assertTrue(r.err().startsWith("error: ") && r.err().endsWith(" ('" + qualified + " --help' shows its usage)\n"),
                    cmd + ": " + r.err());
        }
        assertTrue(checked > 15, "commands checked: " + checked);
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandName().equals(e.getKey())) continue; // an alias
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            if (e.getValue().getSubcommands().isEmpty()) {
                if (e.getValue().getCommandSpec().positionalParameters().stream().anyMatch(a -> a.required())) into.add(p);
            } else {
                collect(e.getValue(), p, into);
            }
        }
    }
}
