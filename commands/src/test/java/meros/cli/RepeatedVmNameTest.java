package meros.cli;

import meros.core.Meros;
import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every command taking a list of VM names refuses a name given twice before it does anything (exit 2). */
class RepeatedVmNameTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "demo", "box");
    }

    @ParameterizedTest
    @ValueSource(strings = {"init", "shutdown", "build"})
    void aVmNamedTwiceIsAUsageErrorThatChangesNothing(String command) throws IOException {
        Set<String> before = tree();
        CliRun r = CliRun.of(home, command, "demo", "box", "box");
        assertEquals(new CliRun(2, "", "error: vm 'box' is named twice: name each VM once\n"), r);
        assertEquals(before, tree());
    }

    @Test
    void theApiRefusesItToo() {
        var c = new Meros(home).constellation("demo");
        for (Runnable call : new Runnable[] {() -> c.init("box", "box"), () -> c.shutdown("box", "box"), () -> c.build("box", "box")}) {
            MerosException e = assertThrows(MerosException.class, call::run);
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertEquals("vm 'box' is named twice: name each VM once", e.getMessage());
        }
    }

    private Set<String> tree() throws IOException {
        Set<String> paths = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> paths.add(root.relativize(p).toString()));
        }
        return paths;
    }
}
