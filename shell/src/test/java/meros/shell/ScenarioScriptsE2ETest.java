package meros.shell;

import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static meros.shell.AccessE2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The shipped scenarios, run as a user would ({@code meros script --junit FILE scripts/X.jsh}) inside a network
 * namespace this test creates: lab's bridge, taps and nftables exist only in there and go with it.
 */
@Tag("e2e")
class ScenarioScriptsE2ETest {
    static final Duration RUN = Duration.ofMinutes(40); // includes building lab's disks on a fresh checkout
    String ns;
    Path home;
    @TempDir Path tmp;

    @BeforeEach
    void namespace() {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-img", "mmdebstrap");
        home = checkout();
        // the disks are built outside the namespace: the bootstrap needs the Debian mirror
        if (!Files.exists(home.resolve("data/disks/lab/web.qcow2"))
                || !Files.exists(home.resolve("data/disks/lab/client.qcow2"))) {
            merosOk(home, null, RUN, "build", "lab");
        }
        ns = "meros-t-acc-" + ProcessHandle.current().pid();
        Proc.of("ip", "netns", "add", ns).timeout(Duration.ofSeconds(30)).run();
        Proc.of("ip", "-n", ns, "link", "set", "lo", "up").timeout(Duration.ofSeconds(30)).run();
    }

    @AfterEach
    void cleanup() {
        if (ns == null) return;
        try {
            meros(home, ns, Duration.ofMinutes(3), "shutdown", "lab");
            killQemuUnder(home.resolve("data/state/lab"));
        } finally {
            deleteNamespace();
        }
    }

    void deleteNamespace() {
        for (String pid : Proc.of("ip", "netns", "pids", ns).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
        Proc.of("ip", "netns", "del", ns).timeout(Duration.ofSeconds(30)).call();
    }

    /** Runs the script and returns its subtests as "name: ok" / "name: FAILED message". */
    List<String> script(String name) throws Exception {
        return scriptCases(home, ns, RUN, home.resolve("scripts/" + name), tmp.resolve(name + ".xml"));
    }

    @Test
    void labSmoke() throws Exception {
        assertEquals(List.of(
                "both VMs boot: ok",
                "web serves a page to client: ok",
                "blocking web's NIC breaks the fetch: ok",
                "unblocking web brings it back: ok",
                "files, screenshots and QMP: ok",
                "web reboots and serves again: ok",
                "a crashed client is gone: ok"), script("lab-smoke.jsh"));
    }

    @Test
    void firewall() throws Exception {
        assertEquals(List.of(
                "the host's servers answer on the host: ok",
                "an allowed port on the gateway is reachable from a guest: ok",
                "a port not in allowed_ports is not: ok",
                "guests on the same bridge reach each other: ok"), script("firewall.jsh"));
    }
}
