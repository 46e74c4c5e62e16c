package meros.e2e;

import meros.core.proc.Proc;
import meros.testkit.E2eSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hosts that cannot give bridged VMs what they need, as containers often are: {@code init} of a bridged constellation
 * refuses before it builds or makes anything, so no bridge, nftables table or DNS forwarder is left in the namespace.
 * A host without the TUN/TAP device (started without {@code --device /dev/net/tun}) is acted out by pointing
 * {@code meros.tun.device} at a missing file.
 */
@Tag("e2e")
@Tag("root")
class TunMissingE2ETest {
    static final String NS = "meros-t-notun";
    static final String C = "notun";
    Path home;

    @AfterEach
    void cleanup() {
        if (home != null) meros(home, NS, Duration.ofMinutes(2), "shutdown", C, "--timeout", "5");
        Proc.of("ip", "netns", "del", NS).timeout(Duration.ofSeconds(30)).call();
        if (home != null) Proc.of("rm", "-rf", home.toString()).timeout(Duration.ofMinutes(2)).call();
    }

    /** A home with one bridged VM on bridge notunbr ({@code bridgeOptions} appended to its flow mapping), and the namespace. */
    private void bridgedConstellation(String bridgeOptions) throws Exception {
        home = Files.createTempDirectory("meros-e2e-notun");
        Path c = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(c.resolve(C + ".yml"), """
                bridges:
                  notunbr: {subnet: 10.16.9.0/24%s}
                virtual_machines:
                  box:
                    network: bridge
                    networks:
                      - {label: notun-box0, bridge: notunbr, ip_addr: 10.16.9.21}
                """.formatted(bridgeOptions));
        run("ip", "netns", "add", NS);
        run("ip", "-n", NS, "link", "set", "lo", "up");
    }

    /** No link but lo and no nftables table in the namespace, and no build started. */
    private void assertNothingMade() {
        List<String> links = Proc.of("ip", "-n", NS, "-br", "link").timeout(Duration.ofSeconds(10)).call().stdout().lines()
                .map(l -> l.split("\\s+")[0]).toList();
        assertEquals(List.of("lo"), links, "links left in " + NS);
        assertEquals("", Proc.of("ip", "netns", "exec", NS, "nft", "list", "tables").timeout(Duration.ofSeconds(10)).call().stdout().strip());
        assertFalse(Files.exists(home.resolve("data/disks/" + C)), "no build started");
    }

    @Test
    void bridgedVmsOnAHostWithoutTunAreRefusedBeforeAnythingIsMade() throws Exception {
        requireTools("ip", "nft", "qemu-system-x86_64");
        bridgedConstellation("");

        List<String> argv = E2eSupport.in(NS, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + home, "-Dmeros.tun.device=" + home.resolve("no-tun"), "-Dpicocli.ansi=false",
                "-cp", System.getProperty("java.class.path"), CliMain.class.getName(), "init", C);
        Proc.Result r = Proc.of(argv).timeout(Duration.ofMinutes(2)).call();
        assertEquals(3, r.exit(), r.stdout() + r.stderr());
        assertEquals("error: bridged VMs need " + home.resolve("no-tun") + " for their taps, and this host has none: load the tun module"
                + " (modprobe tun), in a container pass --device /dev/net/tun (with --cap-add NET_ADMIN), or use network: user",
                r.stderr().strip());
        assertNothingMade();
        assertFalse(Files.exists(home.resolve("data/state/" + C + "/net.json")), "nothing recorded for the network");
    }

    /**
     * A host-access bridge needs IPv4 forwarding, which a fresh namespace has off; with /proc/sys read-only (as in a
     * container; here a read-only bind in a mount namespace of the child's own) meros cannot turn it on: refused before
     * anything is built or made.
     */
    @Test
    void hostAccessBridgesWhereForwardingCannotBeTurnedOnAreRefusedBeforeAnythingIsMade() throws Exception {
        requireTools("ip", "nft", "qemu-system-x86_64", "unshare", "mount");
        bridgedConstellation(", policy_type: host-access");
        assertEquals("0", Proc.of("ip", "netns", "exec", NS, "cat", "/proc/sys/net/ipv4/ip_forward").timeout(Duration.ofSeconds(10))
                .call().stdout().strip(), "a fresh namespace starts with forwarding off");

        String java = String.join(" ", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + home, "-Dpicocli.ansi=false", "-cp", System.getProperty("java.class.path"), CliMain.class.getName(),
                "init", C));
        List<String> argv = E2eSupport.in(NS, "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec " + java);
        Proc.Result r = Proc.of(argv).timeout(Duration.ofMinutes(2)).call();
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        assertEquals("error: bridges with policy_type host-access (or allowed_ips) need net.ipv4.ip_forward=1, which is off and"
                + " /proc/sys/net/ipv4/ip_forward is read-only here (a container?): turn it on where it can be (sysctl -w"
                + " net.ipv4.ip_forward=1; docker run --sysctl net.ipv4.ip_forward=1), or make the bridges isolated", r.stderr().strip());
        assertNothingMade();
    }
}
