package meros.core.scenario;

import meros.core.Meros;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.state.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code crash()} kills only the VM's live QEMU, and says so when there is none. */
class CrashRefusedTest {
    @TempDir Path root;
    Home home;
    Path dir;
    Process other;

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        Path c = Files.createDirectories(root.resolve("constellations/t15c"));
        Files.writeString(c.resolve("t15c.yml"), String.join("\n",
                "virtual_machines:",
                "  web:",
                "    distribution: debian",
                "    network: user",
                ""));
        dir = Files.createDirectories(home.state().resolve("t15c").resolve("web"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (other != null) {
            other.destroyForcibly();
            other.waitFor();
        }
    }

    private void record(long pid) throws IOException {
        Files.writeString(dir.resolve("qemu.pid"), pid + "\n");
        new VmState(pid, Vm.Accel.TCG, Vm.NetworkMode.USER, "127.0.0.1", 1, System.currentTimeMillis(), "none", List.of())
                .write(dir.resolve("vm.json"));
    }

    /** The recorded pid now names a process that is not this VM's QEMU (gone, then reused): it is left alone. */
    @Test
    void aRecordedPidThatIsNotTheVmsQemuIsNotKilled() throws IOException {
        other = new ProcessBuilder("sleep", "60").start();
        record(other.pid());
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
