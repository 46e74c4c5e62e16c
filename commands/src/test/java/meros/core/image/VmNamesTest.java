package meros.core.image;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.Dns;
import meros.core.net.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which address a VM name resolves to, for the DNS forwarder of a bridge and for a guest's /etc/hosts. */
class VmNamesTest {
    final Vm web = Fixtures.debian("web", List.of(
            new Nic("t-web0", "front", "10.0.10.21", "virtio-net-pci", "52:54:00:00:00:01"),
            new Nic("t-web1", "back", "172.16.0.21", "virtio-net-pci", "52:54:00:00:00:02")));
    final Vm db = new Vm("db", "x86_64", "debian", "stable", List.of(), null, 2L << 30, 1024, 2,
            List.of(new Nic("t-db0", "back", "172.16.0.22", "virtio-net-pci", "52:54:00:00:00:03")),
            null, null, Vm.Accel.AUTO, "none", List.of(), "debian", "postgres", Vm.NetworkMode.USER, false, 120);
    final Vm client = Fixtures.debian("client", List.of(new Nic("t-cli0", "front", "10.0.10.22", "virtio-net-pci", "52:54:00:00:00:04")));
    final Vm lonely = Fixtures.debian("lonely", List.of());
    final Manifest lab = Fixtures.manifest("lab", Path.of("/x/lab"),
            List.of(Fixtures.bridge("front", "10.0.10.0/24"), Fixtures.bridge("back", "172.16.0.0/16")), List.of(web, db, client, lonely));

    @Test
    void eachBridgeSeesEveryVmAtItsAddressOnThatBridgeElseItsFirst() {
        assertEquals(Map.of("web", "10.0.10.21", "postgres", "172.16.0.22", "db", "172.16.0.22", "client", "10.0.10.22"),
                Names.table(lab, List.of("front"), null));
        assertEquals(Map.of("web", "172.16.0.21", "postgres", "172.16.0.22", "db", "172.16.0.22", "client", "10.0.10.22"),
                Names.table(lab, List.of("back"), null));
    }

    @Test
    void aGuestsHostsFileListsTheOthersOnceEachAtAnAddressOnASharedBridge() {
        assertEquals("""
                127.0.0.1\tlocalhost
                127.0.1.1\tclient
                ::1\tlocalhost ip6-localhost ip6-loopback
                10.0.10.21\tweb
                172.16.0.22\tpostgres
                172.16.0.22\tdb
                """, new GuestConfig(lab, client).hosts());
        String dbHosts = new GuestConfig(lab, db).hosts();
        assertEquals("127.0.0.1\tlocalhost\n127.0.1.1\tpostgres\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "172.16.0.21\tweb\n10.0.10.22\tclient\n", dbHosts, "a user-mode VM resolves the others by /etc/hosts");
        assertEquals("127.0.0.1\tlocalhost\n127.0.1.1\tlonely\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "10.0.10.21\tweb\n172.16.0.22\tpostgres\n172.16.0.22\tdb\n10.0.10.22\tclient\n", new GuestConfig(lab, lonely).hosts());
    }

    @Test
    void theDnsmasqOfABridgeListensOnItsGatewayOnlyAndForwardsOnlyOnHostAccess(@TempDir Path tmp) {
        Dns dns = new Dns(tmp);
        List<String> pub = dns.argv(Fixtures.bridge("front", "10.0.10.0/24"));
        assertEquals("dnsmasq", pub.get(0));
        assertEquals(true, pub.containsAll(List.of("--conf-file=/dev/null", "--listen-address=10.0.10.1", "--bind-interfaces",
                "--interface=front", "--pid-file=" + tmp.resolve("dns-front.pid"), "--addn-hosts=" + tmp.resolve("dns-front.hosts"),
                "--no-hosts", "--resolv-file=/etc/resolv.conf")), pub.toString());
        List<String> iso = dns.argv(new Bridge("back", Cidr.parse("172.16.0.0/16"), Bridge.PolicyType.ISOLATED, List.of(), List.of()));
        assertEquals(true, iso.contains("--no-resolv") && iso.contains("--listen-address=172.16.0.1"), iso.toString());
        assertEquals(false, iso.stream().anyMatch(a -> a.startsWith("--resolv-file")), iso.toString());
        assertEquals(false, pub.stream().anyMatch(a -> a.startsWith("--dhcp-range")), "no DHCP: guests have static addresses");
    }
}
