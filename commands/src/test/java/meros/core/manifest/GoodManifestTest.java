package meros.core.manifest;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static meros.core.manifest.ManifestTestSupport.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoodManifestTest {
    @TempDir Path tmp;

    @Test
    void everyKeyGivenIsKept() {
        Manifest m = load(tmp, "full", """
                bridges:
                  br0:
                    subnet: 192.168.50.0/24
                    policy_type: isolated
                    allowed_ports: [22, 443]
                    allowed_ips: [10.9.0.0/16, 10.8.1.2]
                virtual_machines:
                  node_1:
                    arch: aarch64
                    distribution: debian
                    release: "13"
                    packages: [openssh-server, curl]
                    mirror: https://mirror.example/debian
                    disk_size: 1.5G
                    memory: 2G
                    cpus: 4
                    networks:
                      - label: tap.n1
                        bridge: br0
                        ip_addr: 192.168.50.10
                        model: e1000
                        mac: "52:54:00:AB:cd:01"
                    kernel: data/build/kernel/bzImage
                    kernel_args: console=ttyS0 quiet
                    accel: tcg
                    display: gtk
                    qemu_args: [-device, virtio-rng-pci]
                    user: ops
                    hostname: node1
                    network: bridge
                    gui: true
                    boot_timeout: 600
                """);
        Bridge b = m.bridges().get("br0");
        assertEquals(new Bridge("br0", Cidr.parse("192.168.50.0/24"), Bridge.PolicyType.ISOLATED, List.of(22, 443),
                List.of(Cidr.parse("10.9.0.0/16"), Cidr.parse("10.8.1.2/32"))), b);
        assertEquals("192.168.50.1", b.gateway());
        assertEquals(new Vm("node_1", "aarch64", "debian", "13", List.of("openssh-server", "curl"), "https://mirror.example/debian",
                (3L << 30) / 2, 2048, 4,
                List.of(new Nic("tap.n1", "br0", "192.168.50.10", "e1000", "52:54:00:ab:cd:01")),
                "data/build/kernel/bzImage", "console=ttyS0 quiet", Vm.Accel.TCG, "gtk", List.of("-device", "virtio-rng-pci"),
                "ops", "node1", Vm.NetworkMode.BRIDGE, true, 600), m.vm("node_1"));
    }

    @Test
    void anAarch64VmWaitsLongerForItsEmulatedBootByDefault() {
        var m = load(tmp, "mixed", """
                virtual_machines:
                  pc: {}
                  board:
                    arch: aarch64
                  slow:
                    arch: aarch64
                    boot_timeout: 900
                """);
        assertEquals(180, m.vm("pc").bootTimeoutSeconds());
        assertEquals(600, m.vm("board").bootTimeoutSeconds());
        assertEquals(900, m.vm("slow").bootTimeoutSeconds());
    }

    @Test
    void alpineDefaultsAndHostnameFromName() {
        Vm v = load(tmp, "alp", """
                virtual_machines:
                  my_box:
                    distribution: alpine
                """).vm("my_box");
        assertEquals("latest-stable", v.release());
        assertEquals("alpine", v.user());
        assertEquals("my-box", v.hostname());
        assertEquals("web", load(tmp, "trail", "virtual_machines: {web_: {}}\n").vm("web_").hostname());
    }

    @Test
    void fullyQualifiedHostNamesAreAccepted() {
        String label63 = "a".repeat(63);
        String name253 = ("a".repeat(62) + ".").repeat(4).substring(0, 252) + "b";
        Manifest m = load(tmp, "fqdn", """
                virtual_machines:
                  mail: {hostname: mail.lab.example}
                  web: {hostname: Web.Lab.Example}
                  db: {hostname: 1db.lab-2.example}
                  long: {hostname: %s.example}
                  longest: {hostname: %s}
                  plain: {hostname: x}
                """.formatted(label63, name253));
        assertEquals(253, name253.length());
        assertEquals(List.of("mail.lab.example", "Web.Lab.Example", "1db.lab-2.example", label63 + ".example", name253, "x"),
                m.vms().values().stream().map(Vm::hostname).toList());
        assertEquals("mail", HostName.shortName(m.vm("mail").hostname()));
    }

    @Test
    void yaml11NumberSpellingsAreReadAsMeant() {
        Manifest m = load(tmp, "nums", """
                bridges:
                  svcnet: {subnet: 10.0.70.0/24, allowed_ports: [8_080, 0x1F, 0b101, +22, 0]}
                virtual_machines:
                  box:
                    network: user
                    memory: 1_024
                    disk_size: 1_024M
                    cpus: 0x10
                    boot_timeout: 10:00
                  other:
                    memory: 0x200
                    cpus: +2
                    boot_timeout: 1:30:00
                  third:
                    memory: "0512"
                    boot_timeout: 1_200
                """.replace(", 0]", "]"));
        assertEquals(List.of(8080, 31, 5, 22), m.bridges().get("svcnet").allowedPorts());
        Vm box = m.vm("box");
        assertEquals(1024, box.memoryMiB());
        assertEquals(1L << 30, box.diskSizeBytes());
        assertEquals(16, box.cpus());
        assertEquals(600, box.bootTimeoutSeconds());
        assertEquals(512, m.vm("other").memoryMiB());
        assertEquals(2, m.vm("other").cpus());
        assertEquals(5400, m.vm("other").bootTimeoutSeconds());
        assertEquals(512, m.vm("third").memoryMiB());
        assertEquals(1200, m.vm("third").bootTimeoutSeconds());
        String shown = ManifestYaml.dump(m);
        assertTrue(shown.contains("allowed_ports:\n      - 8080\n      - 31\n      - 5\n      - 22\n"), shown);
        assertTrue(shown.contains("memory: 1G\n") && shown.contains("cpus: 16\n") && shown.contains("boot_timeout: 600\n")
                && shown.contains("boot_timeout: 5400\n"), "show prints the values used:\n" + shown);
    }

    @Test
    void bootTimeoutTakesDurationsAsSystemdAndGoWriteThem() {
        Manifest m = load(tmp, "durations", """
                virtual_machines:
                  a: {network: user, boot_timeout: 5m}
                  b: {network: user, boot_timeout: "300"}
                  c: {network: user, boot_timeout: 300s}
                  d: {network: user, boot_timeout: 1h30m}
                  e: {network: user, boot_timeout: 1h 30min}
                  f: {network: user, boot_timeout: 10m0s}
                  g: {network: user, boot_timeout: 1.5h}
                  h: {network: user, boot_timeout: 2 min}
                  i: {network: user, boot_timeout: 1d}
                  j: {network: user, boot_timeout: '90'}
                """);
        assertEquals(List.of(300, 300, 300, 5400, 5400, 600, 5400, 120, 86400, 90),
                m.vms().values().stream().map(Vm::bootTimeoutSeconds).toList());
        assertTrue(ManifestYaml.dump(m).contains("boot_timeout: 5400\n"), "show prints the seconds used");
    }

    @Test
    void aManifestWithBomAndCrlfLineEnds() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "win", "");
        Files.write(dir.resolve("win.yml"), "\uFEFFvirtual_machines:\r\n  box:\r\n    kernel_args: \"a\r\n      b\"\r\n    memory: 512\r\n"
                .getBytes(StandardCharsets.UTF_8));
        Manifest m = ManifestLoader.load(dir);
        assertEquals(512, m.vm("box").memoryMiB());
        assertEquals("a b", m.vm("box").kernelArgs());
    }

    @Test
    void memoryAcceptsMebibytesAndUnits() {
        Manifest m = load(tmp, "mem", """
                virtual_machines:
                  a: {memory: 512}
                  b: {memory: 2G}
                  c: {memory: 768M}
                  d: {memory: "1536"}
                """);
        assertEquals(List.of(512L, 2048L, 768L, 1536L), m.vms().values().stream().map(Vm::memoryMiB).toList());
    }

    @Test
    void nicsWithoutMacGetTheDeterministicOne() {
        String yaml = """
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks: [{label: tap-lab-web0, bridge: labnet, ip_addr: 10.0.10.21}]
                """;
        Nic n = load(tmp, "lab", yaml).vm("web").networks().get(0);
        assertEquals("virtio-net-pci", n.model());
        assertEquals(Mac.derive("lab", "web", "tap-lab-web0"), n.mac());
        assertEquals(n.mac(), load(tmp, "lab", yaml).vm("web").networks().get(0).mac(), "same input, same MAC");
    }

    @Test
    void yamlMergeKeysShareSettings() {
        Manifest m = load(tmp, "merge", """
                virtual_machines:
                  a: &common
                    memory: 512
                    packages: [curl]
                  b:
                    <<: *common
                    memory: 768
                """);
        assertEquals(512, m.vm("a").memoryMiB());
        assertEquals(768, m.vm("b").memoryMiB());
        assertEquals(List.of("curl"), m.vm("b").packages());
    }

    /** qemu_args is the escape hatch: options meros does not set itself pass as given, in order. */
    @Test
    void qemuArgsThatMerosDoesNotSetPassAsGiven() {
        List<String> args = List.of("-cpu", "Haswell", "-device", "virtio-rng-pci", "-machine", "hpet=off", "-vnc", "127.0.0.1:1",
                "-serial", "file:/tmp/x", "-global", "kvm-pit.lost_tick_policy=discard", "-chardev", "socket,id=s0,path=/tmp/s.sock",
                "-qmp", "unix:/tmp/q.sock,server=on,wait=off", "-vga", "std", "-action", "panic=pause", "-drive",
                "file=/tmp/extra.img,if=virtio,format=raw", "-netdev", "user,id=n1", "-smbios", "type=1,serial=stdio-1");
        Manifest m = load(tmp, "escape", """
                virtual_machines:
                  box:
                    qemu_args: [-cpu, Haswell, -device, virtio-rng-pci, -machine, hpet=off, -vnc, "127.0.0.1:1",
                      -serial, "file:/tmp/x", -global, "kvm-pit.lost_tick_policy=discard", -chardev, "socket,id=s0,path=/tmp/s.sock",
                      -qmp, "unix:/tmp/q.sock,server=on,wait=off", -vga, std, -action, panic=pause, -drive,
                      "file=/tmp/extra.img,if=virtio,format=raw", -netdev, "user,id=n1", -smbios, "type=1,serial=stdio-1"]
                """);
        assertEquals(args, m.vm("box").qemuArgs());
    }

    @Test
    void manifestYmlIsAcceptedToo() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("constellations/other"));
        Files.writeString(dir.resolve("manifest.yml"), "virtual_machines: {solo: {}}\n");
        assertEquals(List.of("solo"), ManifestLoader.load(dir).vmNames());
    }

    @Test
    void missingManifestIsAOneLineUsageError() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("constellations/none"));
        var e = assertThrows(MerosException.class, () -> ManifestLoader.load(dir));
        assertEquals("no manifest in " + dir + " (expected none.yml, none.yaml, manifest.yml, manifest.yaml)", e.getMessage());
        assertEquals(ExitCode.USAGE, e.exitCode());
    }

    @Test
    void loadingCreatesNoFiles() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "quiet", """
                bridges:
                  labnet: {subnet: 10.0.10.0/24}
                virtual_machines:
                  web:
                    networks: [{label: tap0, bridge: labnet, ip_addr: 10.0.10.21}]
                  bad:
                    cpus: many
                """);
        List<Path> before = tree(tmp);
        assertThrows(ManifestException.class, () -> ManifestLoader.load(dir));
        assertEquals(before, tree(tmp), "a failed validation writes nothing");
        Files.writeString(dir.resolve("quiet.yml"), Files.readString(dir.resolve("quiet.yml")).replace("many", "2"));
        before = tree(tmp);
        ManifestLoader.load(dir);
        assertEquals(before, tree(tmp), "a successful load writes nothing");
    }

    @Test
    void shippedConstellationsValidate() {
        Home home = Home.detect();
        Manifest demo = ManifestLoader.load(home.constellations().resolve("demo"));
        Vm box = demo.vm("box");
        assertEquals(List.of("box"), demo.vmNames());
        assertEquals(List.of(), List.copyOf(demo.bridges().keySet()));
        assertEquals(Vm.NetworkMode.USER, box.network());
        assertEquals(1024, box.memoryMiB());
        assertEquals(2, box.cpus());
        assertEquals(2L << 30, box.diskSizeBytes());
        assertEquals(List.of("curl"), box.packages());
        assertTrue(Files.isExecutable(demo.hooks().resolve("10-hello")));
        assertTrue(Files.isRegularFile(demo.includes().resolve("etc/motd")));

        Manifest lab = ManifestLoader.load(home.constellations().resolve("lab"));
        Bridge labnet = lab.bridges().get("labnet");
        assertEquals("10.0.10.0/24", labnet.subnet().toString());
        assertEquals(List.of(22, 80, 8080), labnet.allowedPorts());
        assertEquals(Bridge.PolicyType.HOST_ACCESS, labnet.policy());
        assertEquals(List.of("web", "client"), lab.vmNames());
        assertEquals(List.of(new Nic("tap-lab-web0", "labnet", "10.0.10.21", "virtio-net-pci", Mac.derive("lab", "web", "tap-lab-web0"))),
                lab.vm("web").networks());
        assertEquals("10.0.10.22", lab.vm("client").networks().get(0).ip());
        assertEquals(512, lab.vm("client").memoryMiB());
    }

    private static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted().toList();
        }
    }

    @Test
    void topLevelExtensionKeysHoldAnchorsAndAreNotRead() throws IOException {
        Path dir = ManifestTestSupport.write(tmp, "ext", """
                x-common: &common
                  memory: 2G
                  cpus: 2
                x-note: anything at all
                virtual_machines:
                  web:
                    <<: *common
                  db:
                    <<: *common
                    cpus: 1
                """);
        Manifest m = ManifestLoader.load(dir);
        assertEquals(2048, m.vm("web").memoryMiB());
        assertEquals(2, m.vm("web").cpus());
        assertEquals(1, m.vm("db").cpus());
    }
}
