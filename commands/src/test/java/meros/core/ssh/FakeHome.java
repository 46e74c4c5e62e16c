package meros.core.ssh;

import meros.core.base.Home;
import meros.core.manifest.Vm;
import meros.core.state.VmState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A meros checkout in a temp dir with constellation {@code t}, VM {@code vm}, whose keys and state point at a
 * loopback sshd: the "running VM" is this host.
 */
public final class FakeHome {
    public final Home home;
    public final LoopbackSshd sshd;

    public FakeHome(Path root, LoopbackSshd sshd) throws IOException {
        this.home = new Home(root);
        this.sshd = sshd;
        Path c = Files.createDirectories(root.resolve("constellations/t"));
        Files.writeString(c.resolve("t.yml"), String.join("\n",
                "virtual_machines:",
                "  vm:",
                "    distribution: debian",
                "    network: user",
                "    user: root",
                ""));
        Path keys = Files.createDirectories(home.keys().resolve("t/vm"));
        Files.copy(sshd.clientKey, keys.resolve("id_ed25519"));
        Files.copy(Path.of(sshd.clientKey + ".pub"), keys.resolve("id_ed25519.pub"));
        Files.copy(Path.of(sshd.hostKey + ".pub"), keys.resolve("ssh_host_ed25519_key.pub"));
        running(sshd.port);
    }

    public Path stateDir() { return home.state().resolve("t/vm"); }

    /** Writes vm.json saying SSH answers on {@code port}. */
    public void running(int port) throws IOException {
        Files.createDirectories(stateDir());
        new VmState(ProcessHandle.current().pid(), Vm.Accel.TCG, Vm.NetworkMode.USER, "127.0.0.1", port, System.currentTimeMillis(), "none", List.of())
                .write(stateDir().resolve("vm.json"));
    }
}
