package meros.e2e;

import meros.core.proc.Proc;
import meros.core.proc.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static meros.testkit.E2eSupport.shareBaseCache;
import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A real bridged guest on a {@code host-access} bridge resolves through meros's DNS forwarder: its neighbours' names and
 * an outside name that only the stand-in upstream resolver knows. Namespace {@code meros-t13-lab} holds bridge, table,
 * forwarder and VM; {@code meros-t13-labo} (behind a veth) holds the upstream, a dnsmasq with one {@code --address}
 * record, named by {@code /etc/netns/meros-t13-lab/resolv.conf}.
 */
@Tag("e2e")
class BridgedDnsE2ETest {
    static final String NS = "meros-t13-lab";
    static final String OUT = "meros-t13-labo";
    static final String C = "t13lab";
    static final Path NETNS_ETC = Path.of("/etc/netns", NS);
    static final Duration BUILD = Duration.ofMinutes(20);
    static final Duration BOOT = Duration.ofMinutes(15);
    @TempDir Path tmp;
    Path home;
    final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanup() throws Exception {
        if (home != null) {
            meros(home, NS, Duration.ofMinutes(3), "shutdown", C, "--timeout", "5");
            killQemuUnder(home.resolve("data/state/" + C));
        }
        for (Process p : started) p.destroyForcibly();
        for (String n : List.of(NS, OUT)) {
            for (String pid : Proc.of("ip", "netns", "pids", n).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            Proc.of("ip", "netns", "del", n).timeout(Duration.ofSeconds(30)).call();
        }
        Proc.of("rm", "-rf", NETNS_ETC.toString()).timeout(Duration.ofSeconds(10)).call();
        if (home != null) Proc.of("rm", "-rf", home.toString()).timeout(Duration.ofMinutes(2)).call();
    }

    @Test
    void aBridgedGuestResolvesItsNeighboursAndTheOutsideThroughTheBridgesForwarder() throws Exception {
        requireTools("ip", "nft", "dnsmasq", "qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap");
        home = shareBaseCache(Files.createTempDirectory("meros-e2e-t13-lab"));
        Path c = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(c.resolve(C + ".yml"), """
                bridges:
                  t13lab: {subnet: 10.13.5.0/24, policy_type: host-access}
                virtual_machines:
                  web:
                    accel: tcg
                    memory: 1024
                    boot_timeout: 900
                    packages: [busybox]
                    networks:
                      - {label: t13-lab-web0, bridge: t13lab, ip_addr: 10.13.5.21}
                  db:
                    hostname: postgres
                    network: user
                    networks:
                      - {label: t13-lab-db0, bridge: t13lab, ip_addr: 10.13.5.22}
                """);
        merosOk(home, null, BUILD, "build", C, "web");

        for (String n : List.of(NS, OUT)) {
            run("ip", "netns", "add", n);
            run("ip", "-n", n, "link", "set", "lo", "up");
        }
        run("ip", "link", "add", "t13lab-out", "netns", NS, "type", "veth", "peer", "name", "t13lab-in", "netns", OUT);
        run("ip", "-n", NS, "addr", "add", "198.51.100.1/24", "dev", "t13lab-out");
        run("ip", "-n", NS, "link", "set", "t13lab-out", "up");
        run("ip", "-n", OUT, "addr", "add", "198.51.100.2/24", "dev", "t13lab-in");
        run("ip", "-n", OUT, "link", "set", "t13lab-in", "up");
        Files.createDirectories(NETNS_ETC);
        Files.writeString(NETNS_ETC.resolve("resolv.conf"), "nameserver 198.51.100.2\n");
        started.add(new ProcessBuilder(in(OUT, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--listen-address=198.51.100.2", "--bind-interfaces", "--address=/outside.t13.test/198.51.100.7",
                "--pid-file=" + tmp.resolve("upstream.pid"), "--user=root", "--group=root"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("upstream.log").toFile()).start());

        String init = merosOk(home, NS, BOOT, "init", C, "web").stdout();
        assertTrue(init.contains("started dnsmasq on 10.13.5.1:53 (VM names, forwards to the host's resolvers)"), init);
        // through resolved's stub, networkd's DNS= and the forwarder to the upstream outside the namespace
        assertEquals("198.51.100.7", sshOk(home, NS, C, "web", "10.13.5.21", 22, "getent ahostsv4 outside.t13.test | head -n1 | cut -d' ' -f1").strip());
        // a neighbour's name straight from the forwarder (not from /etc/hosts)
        String ns = sshOk(home, NS, C, "web", "10.13.5.21", 22, "busybox nslookup postgres 10.13.5.1");
        assertTrue(ns.contains("10.13.5.22"), ns);

        // the forwarder ends while web runs: init, which has no VM to start, starts it again and says so
        ProcessHandle forwarder = ProcessHandle.of(Long.parseLong(
                Files.readString(home.resolve("data/state/" + C + "/dns-t13lab.pid")).strip())).orElseThrow();
        forwarder.destroyForcibly();
        assertTrue(Processes.awaitEnd(forwarder, Duration.ofSeconds(10)));
        String again = merosOk(home, NS, BOOT, "init", C, "web").stdout();
        assertTrue(again.contains("web: already running") && again.contains(
                "restarted dnsmasq on 10.13.5.1:53 (VM names, forwards to the host's resolvers): its dnsmasq had ended"), again);
        assertTrue(sshOk(home, NS, C, "web", "10.13.5.21", 22, "busybox nslookup postgres 10.13.5.1").contains("10.13.5.22"));
        // with the forwarder running, init leaves it alone
        String third = merosOk(home, NS, BOOT, "init", C, "web").stdout();
        assertFalse(third.contains("dnsmasq"), third);

        String down = merosOk(home, NS, Duration.ofMinutes(3), "shutdown", C, "--timeout", "30").stdout();
        assertTrue(down.contains("dnsmasq on bridge t13lab"), down);
        assertFalse(Files.exists(home.resolve("data/state/" + C + "/dns-t13lab.pid")));
        String left = Proc.of("ip", "netns", "pids", NS).timeout(Duration.ofSeconds(10)).call().stdout().strip();
        assertEquals("", left, "nothing of meros runs in the namespace after shutdown");
    }
}
