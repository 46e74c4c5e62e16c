package meros.cli;

import meros.core.base.Home;
import meros.core.state.Lock;
import meros.core.state.StateDir;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A build replaces a VM's disk and its pinned host key: it refuses while the VM runs (its overlay would go on over a
 * disk that is no longer there) and while another meros process holds the constellation (an init that may be
 * starting it), before it builds anything.
 */
class BuildWhileRunningTest {
    @TempDir Path root;
    Home home;
    Process fakeQemu;

    @BeforeEach
    void aRunningVm() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "t16b", "web");
        fakeQemu = RecordedVm.runningFake(home, "t16b", "web");
    }

    @AfterEach
    void stopFake() throws InterruptedException {
        fakeQemu.destroyForcibly();
        fakeQemu.waitFor();
    }

    CliRun exec(String... args) {
        return CliRun.of(home, args);
    }

    @Test
    void aRunningVmsDiskIsNotRebuilt() {
        String refused = "error: vm web of t16b is running on the disk a build replaces: shut it down first ('shutdown t16b web')\n";
        assertEquals(new CliRun(1, "", refused), exec("build", "t16b"));
        assertEquals(new CliRun(1, "", refused), exec("build", "t16b", "web"));
        assertTrue(fakeQemu.isAlive(), "the VM was not touched");
        assertFalse(Files.exists(home.disks().resolve("t16b")), "nothing was built");
        assertFalse(Files.exists(home.build().resolve("t16b")), "nothing was started");
    }

    @Test
    void aConstellationAnotherProcessHoldsIsBusy() throws IOException, InterruptedException {
        fakeQemu.destroyForcibly();
        fakeQemu.waitFor();
        try (Lock held = Lock.acquire(StateDir.of(home, "t16b").lockFile(), "t16b")) {
            CliRun r = exec("build", "t16b");
            assertEquals(5, r.code(), r.toString());
            assertTrue(r.err().startsWith("error: constellation 't16b' is busy: locked by pid "), r.err());
        }
        assertFalse(Files.exists(home.disks().resolve("t16b")), "nothing was built");
    }
}
