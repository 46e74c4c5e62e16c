package meros.cli;

import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Every command that needs a running VM, run against a constellation that is stopped: refused, and the data
 * directory holds the same files and directories after it as before.
 */
class StoppedLeavesNoTraceTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void stopped() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "demo", "box");
    }

    /** {@link #commands} but connect, which is refused before it looks at the VM here: a test has no interactive terminal. */
    static Stream<List<String>> commandsThatLookAtTheVm() {
        return commands().filter(c -> !c.get(0).equals("connect"));
    }

    static Stream<List<String>> commands() {
        return Stream.of(
                List.of("qmp", "demo", "box", "query-status"),
                List.of("pause", "demo", "box"),
                List.of("events", "demo", "box"),
                List.of("connect", "demo", "box"),
                List.of("resume", "demo", "box"),
                List.of("forward", "demo", "box", "8080:80"),
                List.of("screendump", "demo", "box", "shot.png"),
                List.of("snapshot", "save", "demo", "s1"),
                List.of("snapshot", "save", "demo", "box", "s1"),
                List.of("snapshot", "load", "demo", "s1"),
                List.of("snapshot", "delete", "demo", "box", "s1"),
                List.of("snapshot", "list", "demo"),
                List.of("reset", "demo"),
                List.of("run", "demo", "box", "true"),
                List.of("push", "demo", "box", "pom.xml"),
                List.of("pull", "demo", "box", "/etc/hostname"));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void aRefusedCommandLeavesTheDataDirectoryAsItWas(List<String> cmd) throws IOException {
        Set<String> before = tree();
        CliRun r = CliRun.of(home, cmd.toArray(new String[0]));
        assertNotEquals(0, r.code(), cmd + ": " + r);
        assertEquals(before, tree(), cmd + ": " + r.err());
    }

    /** The same "not running" line, with how to start it, and exit 1 from each (a whole-constellation form says what needed every VM). */
    @ParameterizedTest
    @MethodSource("commandsThatLookAtTheVm")
    void everyRefusalSaysNotRunningTheSameWay(List<String> cmd) {
        CliRun r = CliRun.of(home, cmd.toArray(new String[0]));
        String needs = cmd.get(0).equals("reset") ? ": reset needs every VM"
                : cmd.get(0).equals("snapshot") && cmd.size() == 4 && !cmd.get(1).equals("delete") ? ": a constellation snapshot needs every VM"
                : "";
        if (cmd.equals(List.of("snapshot", "list", "demo"))) needs = ": a constellation snapshot needs every VM";
        assertEquals(new CliRun(1, "", "error: vm demo/box is not running (stopped)" + needs + "; start it with: meros init demo\n"), r);
    }

    private Set<String> tree() throws IOException {
        Set<String> paths = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> paths.add(root.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
        }
        return paths;
    }
}
