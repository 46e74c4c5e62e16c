package meros.cli;

import meros.core.Meros;
import meros.core.base.Home;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands on a constellation that never ran take its lock and find nothing to do: they leave no
 * {@code data/state/<c>/} behind (no lock file, no empty directory), as {@code virsh} leaves nothing for a domain it
 * does not know.
 */
class NeverRunStateTest {
    @TempDir Path root;
    Home home;

    @BeforeEach
    void aManifestThatNeverRan() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "t17", "box");
    }

    int exec(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        return Cli.create(new Meros(home), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    }

    @Test
    void lockingCommandsLeaveNoStateBehind() {
        for (List<String> cmd : List.of(List.of("shutdown", "t17"), List.of("shutdown", "t17", "box"),
                List.of("snapshot", "save", "t17", "s1"), List.of("snapshot", "load", "t17", "s1"),
                List.of("snapshot", "delete", "t17", "s1"), List.of("snapshot", "list", "t17"), List.of("reset", "t17"))) {
            int code = exec(cmd.toArray(new String[0]));
            assertEquals(cmd.get(0).equals("shutdown") ? 0 : 1, code, cmd.toString());
            assertFalse(Files.exists(home.stateOf("t17")), cmd + " left " + home.stateOf("t17"));
        }
    }

    @Test
    void stateAVmLeftIsKeptBesideTheLock() throws IOException {
        Path log = Files.createDirectories(home.stateOf("t17").resolve("box")).resolve("serial.log");
        Files.writeString(log, "last boot\n");
        assertEquals(0, exec("shutdown", "t17"));
        assertEquals("last boot\n", Files.readString(log));
        assertTrue(Files.exists(home.stateOf("t17").resolve("lock")));
    }
}
