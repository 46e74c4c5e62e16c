package meros.testkit;

import meros.core.base.Home;
import meros.core.manifest.Vm;
import meros.core.state.VmState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A VM as meros records it in {@code data/state/<c>/<vm>/}, for tests that need no real QEMU. */
public final class RecordedVm {
    private RecordedVm() { }

    /** Writes a one-VM manifest {@code constellations/<c>/<c>.yml}: VM {@code vm}, Debian, user-mode networking. */
    public static void manifest(Path root, String c, String vm) throws IOException {
        Path dir = Files.createDirectories(root.resolve("constellations").resolve(c));
        Files.writeString(dir.resolve(c + ".yml"), String.join("\n",
                "virtual_machines:", "  " + vm + ":", "    distribution: debian", "    network: user", ""));
    }

    /** Records {@code pid} as the VM's QEMU: the pidfile and {@code vm.json}. */
    public static void record(Home home, String c, String vm, long pid) throws IOException {
        Path dir = Files.createDirectories(home.state().resolve(c).resolve(vm));
        Files.writeString(dir.resolve("qemu.pid"), pid + "\n");
        new VmState(pid, Vm.Accel.TCG, Vm.NetworkMode.USER, "127.0.0.1", 1, System.currentTimeMillis(), "none", List.of())
                .write(dir.resolve("vm.json"));
    }

    /**
     * Starts a stand-in for the VM's QEMU (a {@code sleep} whose command line names the VM's QMP socket, as QEMU's
     * does, so meros takes it for the VM's live process) and records it. The caller stops it.
     */
    public static Process runningFake(Home home, String c, String vm) throws IOException {
        Path qmp = home.state().resolve(c).resolve(vm).resolve("qmp.sock");
        Process p = new ProcessBuilder("sh", "-c", "sleep 60; :", qmp.toString()).start();
        record(home, c, vm, p.pid());
        return p;
    }
}
