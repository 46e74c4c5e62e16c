package meros.e2e;

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

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Forwards on a bridge, inside a network namespace this test creates ({@code meros-t-t14-<pid>}): the manifest's
 * forward and one added with {@code forward} to the running VM are DNAT rules in the constellation's nftables
 * table (through an isolated bridge that admits nothing else); after {@code shutdown} the table, the rules and the
 * forwarded ports are gone.
 */
@Tag("e2e")
class SharingBridgeE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    static final String C = "t14br";
    static final int MANIFEST_PORT = 18014;
    static final int LIVE_PORT = 18015;
    final Path checkout = checkout();
    String ns;
    Path home;
    @TempDir Path tmp;

    @BeforeEach
    void namespace() {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap", "bash");
        ns = "meros-t-t14-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    @AfterEach
    void cleanup() {
        if (home != null) {
            meros(home, ns, Duration.ofMinutes(3), "shutdown", C, "--timeout", "5");
            killQemuUnder(home.resolve("data/state").resolve(C));
        }
        for (String pid : Proc.of("ip", "netns", "pids", ns).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
        Proc.of("ip", "netns", "del", ns).timeout(Duration.ofSeconds(30)).call();
    }

    /** The first line 127.0.0.1:port answers inside the namespace, or what went wrong. */
    String firstLine(int port) {
        Proc.Result r = Proc.of(in(ns, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$0 && timeout 10 head -n 1 <&3", Integer.toString(port)))
                .timeout(Duration.ofSeconds(30)).call();
        return r.ok() ? r.stdout().strip() : "exit " + r.exit() + ": " + r.stderr().strip();
    }

    String waitForLine(int port, String expected) throws Exception {
        String last = null;
        for (int i = 0; i < 60; i++) {
            last = firstLine(port);
            if (last.equals(expected)) return last;
            Thread.sleep(1000);
        }
        return last;
    }

    @Test
    void bridgedForwardsAreDnatRulesThatShutdownRemoves() throws Exception {
        home = tmp.resolve("home");
        Files.createDirectories(home.resolve("data"));
        Files.createSymbolicLink(home.resolve("data/cache"), Files.createDirectories(checkout.resolve("data/cache")));
        Path dir = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(dir.resolve(C + ".yml"), """
                bridges:
                  t14net:
                    subnet: 10.14.0.0/24
                    policy_type: isolated
                virtual_machines:
                  box:
                    network: bridge
                    accel: tcg
                    memory: 1024
                    cpus: 2
                    boot_timeout: 900
                    networks:
                      - {label: t14-box0, bridge: t14net, ip_addr: 10.14.0.10}
                    forwards:
                      - {host: %d, guest: 8000}
                """.formatted(MANIFEST_PORT));
        // the disk is built outside the namespace: the bootstrap needs the Debian mirror
        merosOk(home, null, BOOT, "build", C);
        String init = merosOk(home, ns, BOOT, "init", C).stdout();
        assertTrue(init.contains("box: ready in "), init);

        String table = Proc.of(in(ns, "nft", "list", "table", "inet", "meros_" + C)).timeout(Duration.ofSeconds(20)).run().stdout();
        assertTrue(table.contains("ip daddr 127.0.0.1 tcp dport " + MANIFEST_PORT + " dnat ip to 10.14.0.10:8000"), table);

        sshOk(home, ns, C, "box", "10.14.0.10", 22,
                "systemd-run --unit t14-a systemd-socket-activate -l 8000 -a --inetd echo t14-bridge-manifest"
                        + " && systemd-run --unit t14-b systemd-socket-activate -l 8001 -a --inetd echo t14-bridge-live");
        assertEquals("t14-bridge-manifest", waitForLine(MANIFEST_PORT, "t14-bridge-manifest"));

        String fwd = merosOk(home, ns, Duration.ofMinutes(1), "forward", C, "box", LIVE_PORT + ":8001").stdout();
        assertEquals(C + "/box: forwarding tcp 127.0.0.1:" + LIVE_PORT + " -> 8001", fwd.strip());
        assertEquals("t14-bridge-live", waitForLine(LIVE_PORT, "t14-bridge-live"));
        String info = merosOk(home, ns, Duration.ofMinutes(1), "info", C).stdout();
        assertTrue(info.matches("(?s).*\nbox +tcp +127\\.0\\.0\\.1:" + LIVE_PORT + " +8001 +nft +live.*"), info);
        assertTrue(info.matches("(?s).*\nbox +tcp +127\\.0\\.0\\.1:" + MANIFEST_PORT + " +8000 +nft +manifest.*"), info);

        merosOk(home, ns, Duration.ofMinutes(3), "shutdown", C);
        assertFalse(ok("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "meros_" + C));
        assertEquals("", Proc.of(in(ns, "nft", "list", "ruleset")).timeout(Duration.ofSeconds(20)).run().stdout().strip());
        for (int p : List.of(MANIFEST_PORT, LIVE_PORT)) assertTrue(firstLine(p).startsWith("exit "), "port " + p + " still answers");
        assertFalse(Files.exists(home.resolve("data/state").resolve(C).resolve("box/forwards.json")));
        home = null;
    }
}
