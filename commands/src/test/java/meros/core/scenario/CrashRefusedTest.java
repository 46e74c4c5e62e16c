package meros.core.scenario;

import meros.core.Meros;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code crash()} kills only the VM's live QEMU, and says so when there is none. */
class CrashRefusedTest {
    @TempDir Path root;
    Home home;
    Process other;

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        RecordedVm.manifest(root, "t15c", "web");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (other != null) {
            other.destroyForcibly();
            other.waitFor();
        }
    }

    /** The recorded pid now names a process that is not this VM's QEMU (gone, then reused): it is left alone. */
    @Test
    void aRecordedPidThatIsNotTheVmsQemuIsNotKilled() throws IOException {
        other = new ProcessBuilder("sleep", "60").start();
        RecordedVm.record(home, "t15c", "web", other.pid());
        MerosException e = assertThrows(MerosException.class, () -> new Meros(home).constellation("t15c").vm("web").crash());
        assertTrue(e.getMessage().contains("t15c/web is not running") && e.getMessage().contains("no QEMU to crash"), e.getMessage());
        assertTrue(other.isAlive(), "another process with the recorded pid is not killed");
    }

    @Test
    void aVmThatIsNotRunningCannotCrash() {
        MerosException e = assertThrows(MerosException.class, () -> new Meros(home).constellation("t15c").vm("web").crash());
        assertTrue(e.getMessage().contains("is not running"), e.getMessage());
    }
}
