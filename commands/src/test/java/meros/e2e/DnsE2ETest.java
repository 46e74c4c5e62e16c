package meros.e2e;

import meros.core.base.Home;
import meros.core.net.Dns;
import meros.core.proc.Proc;
import meros.core.proc.Processes;
import meros.core.state.NetState;
import meros.core.state.StateDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The DNS forwarders on bridged constellations, for real: bridges, nftables table and dnsmasq made by meros inside
 * namespace {@code meros-t13-dns}, "guests" (veth ends in namespace {@code meros-t13-dnsg}) on both bridges, and a
 * stand-in upstream resolver (a second dnsmasq on 127.0.0.2 with one {@code --address} record) that the namespace's
 * {@code /etc/resolv.conf} ({@code /etc/netns/meros-t13-dns/resolv.conf}) names, so forwarding is proven without
 * leaving the namespace.
 */
@Tag("e2e")
class DnsE2ETest {
    static final String NS = "meros-t13-dns";
    static final String GUEST = "meros-t13-dnsg";
    static final String C = "t13dns";
    static final Path NETNS_ETC = Path.of("/etc/netns", NS);
    static final Duration CHILD = Duration.ofMinutes(2);
    /** A one-question DNS client (A record over UDP): prints the addresses, or RCODE n, or TIMEOUT. */
    static final String QUERY = String.join("\n",
            "import socket, struct, sys",
            "srv, name = sys.argv[1], sys.argv[2]",
            "q = struct.pack('>HHHHHH', 4660, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\\x00' + struct.pack('>HH', 1, 1)",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)",
            "s.sendto(q, (srv, 53))",
            "try:",
            "    d, _ = s.recvfrom(4096)",
            "except socket.timeout:",
            "    print('TIMEOUT'); sys.exit(0)",
            "an = struct.unpack('>H', d[6:8])[0]; i = 12",
            "while d[i] != 0: i += d[i] + 1",
            "i += 5; out = []",
            "for _ in range(an):",
            "    if d[i] & 0xc0 == 0xc0: i += 2",
            "    else:",
            "        while d[i] != 0: i += d[i] + 1",
            "        i += 1",
            "    t, c, ttl, l = struct.unpack('>HHIH', d[i:i + 10]); i += 10",
            "    if t == 1: out.append('.'.join(map(str, d[i:i + 4])))",
            "    i += l",
            "print(' '.join(out) if out else 'RCODE %d' % (d[3] & 15))");

    @TempDir Path tmp;
    Path home;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void namespaces() throws Exception {
        requireTools("ip", "nft", "dnsmasq", "python3");
        for (String n : List.of(NS, GUEST)) {
            run("ip", "netns", "add", n);
            run("ip", "-n", n, "link", "set", "lo", "up");
        }
        Files.createDirectories(NETNS_ETC);
        Files.writeString(NETNS_ETC.resolve("resolv.conf"), "nameserver 127.0.0.2\n");
        home = tmp.resolve("home");
        Path c = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(c.resolve(C + ".yml"), """
                bridges:
                  t13pub: {subnet: 10.13.1.0/24, policy_type: host-access}
                  t13iso: {subnet: 10.13.2.0/24, policy_type: isolated}
                virtual_machines:
                  web:
                    network: bridge
                    networks:
                      - {label: t13-web0, bridge: t13pub, ip_addr: 10.13.1.21}
                      - {label: t13-web1, bridge: t13iso, ip_addr: 10.13.2.21}
                  db:
                    network: bridge
                    hostname: postgres
                    networks:
                      - {label: t13-db0, bridge: t13iso, ip_addr: 10.13.2.22}
                """);
    }

    @AfterEach
    void cleanup() throws Exception {
        if (home != null) child("down");
        for (Process p : started) p.destroyForcibly();
        for (String n : List.of(NS, GUEST)) {
            for (String pid : Proc.of("ip", "netns", "pids", n).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            Proc.of("ip", "netns", "del", n).timeout(Duration.ofSeconds(30)).call();
        }
        Proc.of("rm", "-rf", NETNS_ETC.toString()).timeout(Duration.ofSeconds(10)).call();
    }

    Proc.Result child(String verb) {
        List<String> a = in(NS, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DnsMain.class.getName(), verb, home.toString(), C);
        return Proc.of(a).timeout(CHILD).call();
    }

    /** A "guest" NIC: a veth whose host end joins {@code bridge} in the meros namespace, the other end in GUEST. */
    void guestNic(String guestIf, String hostIf, String bridge, String cidr) {
        run("ip", "link", "add", guestIf, "netns", GUEST, "type", "veth", "peer", "name", hostIf, "netns", NS);
        run("ip", "-n", NS, "link", "set", hostIf, "master", bridge);
        run("ip", "-n", NS, "link", "set", hostIf, "up");
        run("ip", "-n", GUEST, "addr", "add", cidr, "dev", guestIf);
        run("ip", "-n", GUEST, "link", "set", guestIf, "up");
    }

    String query(String server, String name) throws Exception {
        String last = "";
        for (int i = 0; i < 10; i++) {
            last = Proc.of(in(GUEST, "python3", "-c", QUERY, server, name)).timeout(Duration.ofSeconds(20)).run().stdout().strip();
            if (!last.equals("TIMEOUT")) return last;
            Thread.sleep(300);
        }
        return last;
    }

    @Test
    void bridgedGuestsResolveVmNamesAndHostAccessForwardsTheRestToTheHostsResolvers() throws Exception {
        Process upstream = new ProcessBuilder(in(NS, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--listen-address=127.0.0.2", "--bind-interfaces", "--address=/outside.t13.test/198.51.100.7",
                "--pid-file=" + tmp.resolve("upstream.pid"), "--user=root", "--group=root"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("upstream.log").toFile()).start();
        started.add(upstream);

        Proc.Result up = child("up");
        assertEquals(0, up.exit(), up.stdout() + up.stderr());
        assertTrue(up.stdout().contains("started dnsmasq on 10.13.1.1:53 (VM names, forwards to the host's resolvers)\n"), up.stdout());
        assertTrue(up.stdout().contains("started dnsmasq on 10.13.2.1:53 (VM names only)\n"), up.stdout());
        StateDir sd = StateDir.of(new Home(home), C);
        assertEquals(List.of("t13pub", "t13iso"), NetState.read(sd.netJson()).dns());
        Dns dns = new Dns(sd.dir());
        assertTrue(dns.running("t13pub").isPresent() && dns.running("t13iso").isPresent());

        guestNic("t13g0", "t13h0", "t13pub", "10.13.1.21/24");
        guestNic("t13g1", "t13h1", "t13iso", "10.13.2.22/24");

        // the constellation's names, each as reachable from the asking bridge
        assertEquals("10.13.1.21", query("10.13.1.1", "web"));
        assertEquals("10.13.2.21", query("10.13.2.1", "web"));
        assertEquals("10.13.2.22", query("10.13.2.1", "postgres"));
        assertEquals("10.13.2.22", query("10.13.2.1", "db"));
        // host-access: everything else goes to the host's resolvers (here the stand-in upstream)
        assertEquals("198.51.100.7", query("10.13.1.1", "outside.t13.test"));
        // isolated: VM names only
        String isolated = query("10.13.2.1", "outside.t13.test");
        assertTrue(isolated.startsWith("RCODE "), "isolated bridges answer no outside names: " + isolated);
        // DNS over TCP passes the table too; any other port on the gateway stays closed to the bridge
        assertTrue(Proc.of(in(GUEST, "python3", "-c", "import socket; socket.create_connection(('10.13.2.1', 53), 2).close()"))
                .timeout(Duration.ofSeconds(20)).call().ok(), "DNS over TCP reaches the forwarder");

        long pubPid = dns.running("t13pub").orElseThrow().pid();
        Proc.Result down = child("down");
        assertEquals(0, down.exit(), down.stdout() + down.stderr());
        assertTrue(down.stdout().contains("removed dnsmasq on bridge t13pub\n") && down.stdout().contains("removed dnsmasq on bridge t13iso\n"), down.stdout());
        assertTrue(ProcessHandle.of(pubPid).map(Processes::ended).orElse(true), "dnsmasq has ended (gone, or a zombie left to PID 1)");
        assertFalse(Files.exists(dns.pidfile("t13pub")) || Files.exists(dns.pidfile("t13iso")), "pidfiles removed");
        assertFalse(Files.exists(sd.netJson()));
        assertTrue(Proc.of("ip", "netns", "pids", NS).timeout(Duration.ofSeconds(10)).call().stdout().strip()
                .equals(Long.toString(upstream.pid())), "only the stand-in upstream still runs in the namespace");
    }
}
