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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Snapshot names QEMU would not keep as given, or that the whole-constellation form could not load, are usage errors
 * (exit 2) of every snapshot action and form, before any VM is asked, in the CLI and the API alike.
 */
class SnapshotNameTest {
    @TempDir Path root;
    Home home;

    static final String RULE = "(letters, digits, _ . -; not . or ..; at most 255 characters)";

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "demo", "box");
    }

    /** A name and the message its refusal prints. */
    static Stream<Arguments> badNames() {
        String long256 = "a".repeat(256);
        return Stream.of(
                Arguments.of("a b", "invalid snapshot name 'a b' " + RULE),
                Arguments.of("a/b", "invalid snapshot name 'a/b' " + RULE),
                Arguments.of("ü", "invalid snapshot name 'ü' " + RULE),
                Arguments.of("s1;info", "invalid snapshot name 's1;info' " + RULE),
                Arguments.of("a\"b", "invalid snapshot name 'a\"b' " + RULE),
                Arguments.of(".", "invalid snapshot name '.' " + RULE),
                Arguments.of("..", "invalid snapshot name '..' " + RULE),
                Arguments.of(long256, "invalid snapshot name of 256 characters: QEMU keeps at most 255"));
    }

    static Stream<Arguments> badNamesEveryForm() {
        List<Arguments> all = new ArrayList<>();
        badNames().forEach(a -> {
            String name = (String) a.get()[0];
            for (String action : List.of("save", "load", "delete")) {
                all.add(Arguments.of(List.of("snapshot", action, "demo", name), a.get()[1]));
                all.add(Arguments.of(List.of("snapshot", action, "demo", "box", name), a.get()[1]));
            }
        });
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("badNamesEveryForm")
    void aBadNameIsAUsageErrorInEveryForm(List<String> args, String message) {
        CliRun r = CliRun.of(home, args.toArray(new String[0]));
        assertEquals(new CliRun(2, "", "error: " + message + "\n"), r);
        assertFalse(Files.exists(home.state()), "nothing was made");
    }

    @ParameterizedTest
    @MethodSource("badNames")
    void theApiRefusesTheSameNames(String name, String message) {
        var c = new Meros(home).constellation("demo");
        for (Runnable call : new Runnable[] {() -> c.snapshot(name), () -> c.restore(name), () -> c.deleteSnapshot(name),
                () -> c.vm("box").snapshot("save", name), () -> c.vm("box").snapshot("load", name)}) {
            MerosException e = assertThrows(MerosException.class, call::run);
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void aNameOf255CharactersPassesTheNameCheck() {
        CliRun r = CliRun.of(home, "snapshot", "save", "demo", "a".repeat(255));
        assertEquals(1, r.code(), r.err()); // refused only because the VM is not running
    }

    @Test
    void aSnapshotNamedLikeAVmIsRefusedAtSave() {
        String msg = "snapshot name 'box' is the name of a VM of demo ('snapshot load demo box' would mean the VM): choose another name";
        assertEquals(new CliRun(2, "", "error: " + msg + "\n"), CliRun.of(home, "snapshot", "save", "demo", "box", "box"));
        var c = new Meros(home).constellation("demo");
        assertEquals(msg, assertThrows(MerosException.class, () -> c.snapshot("box")).getMessage());
        assertEquals(msg, assertThrows(MerosException.class, () -> c.vm("box").snapshot("save", "box")).getMessage());
    }

    @Test
    void aMissingNameStillSaysSo() {
        assertEquals(new CliRun(2, "", "error: snapshot save needs a NAME " + RULE + "\n"),
                CliRun.of(home, "snapshot", "save", "demo", "box", ""));
    }
}
