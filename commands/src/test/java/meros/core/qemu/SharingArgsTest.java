package meros.core.qemu;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.lifecycle.Info;
import meros.core.manifest.Forward;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.state.VmPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Mounts and forwards on the QEMU command line, in {@code info}, and the host-side port owner lookup. */
class SharingArgsTest {
    static final VmPaths PATHS = new VmPaths(Path.of("/m/data/state/lab/web"));
    static final List<Mount> MOUNTS = List.of(new Mount(Path.of("/m/constellations/lab/shared"), "/mnt/shared", true, "meros0"),
            new Mount(Path.of("/srv/a,b"), "/srv/data", false, "meros1"));

    static Vm vm(boolean withMounts, List<Forward> forwards) {
        return new Vm("web", "x86_64", "debian", "bookworm", List.of(), null, 2L << 30, 1024, 2, List.of(), null,
                null, Vm.Accel.AUTO, "none", List.of(), "user", "web", Vm.NetworkMode.USER, false, 300,
                withMounts ? MOUNTS : List.of(), forwards);
    }

    static QemuArgs.Launch launch(String transport) {
        return new QemuArgs.Launch(Path.of("/k"), null, PATHS.overlay(), Vm.Accel.TCG, true, 40222, Map.of(), transport);
    }

    static int indexOf(List<String> a, String s) {
        int i = a.indexOf(s);
        assertTrue(i >= 0, s + " not in " + a);
        return i;
    }

    @Test
    void virtiofsPutsGuestRamInASharedMemfdAndAddsOneVhostUserFsDevicePerMount() {
        List<String> a = QemuArgs.build("lab", vm(true, List.of()), PATHS, launch(Shares.VIRTIOFS));
        assertEquals("q35,memory-backend=mem", a.get(indexOf(a, "-machine") + 1));
        assertEquals("memory-backend-memfd,id=mem,size=1024M,share=on", a.get(indexOf(a, "-object") + 1));
        assertEquals("1024M", a.get(indexOf(a, "-m") + 1));
        String joined = String.join(" ", a);
        assertTrue(joined.contains("-chardev socket,id=meros0,path=/m/data/state/lab/web/vfs-meros0.sock "
                + "-device vhost-user-fs-pci,chardev=meros0,tag=meros0 "
                + "-chardev socket,id=meros1,path=/m/data/state/lab/web/vfs-meros1.sock "
                + "-device vhost-user-fs-pci,chardev=meros1,tag=meros1"), joined);
        assertFalse(joined.contains("virtio-9p"), joined);
    }

    @Test
    void ninePServesTheDirectoriesFromQemuReadOnlyWhereAskedWithCommasEscaped() {
        List<String> a = QemuArgs.build("lab", vm(true, List.of()), PATHS, launch(Shares.NINEP));
        assertEquals("q35", a.get(indexOf(a, "-machine") + 1));
        assertFalse(a.contains("-object"), a.toString());
        String joined = String.join(" ", a);
        assertTrue(joined.contains("-fsdev local,id=meros0,path=/m/constellations/lab/shared,security_model=none,readonly=on "
                + "-device virtio-9p-pci,fsdev=meros0,mount_tag=meros0 "
                + "-fsdev local,id=meros1,path=/srv/a,,b,security_model=none "
                + "-device virtio-9p-pci,fsdev=meros1,mount_tag=meros1"), joined);
    }

    @Test
    void noMountsNoSharedMemoryWhateverTheTransport() {
        List<String> a = QemuArgs.build("lab", vm(false, List.of()), PATHS, launch(Shares.VIRTIOFS));
        assertEquals("q35", a.get(indexOf(a, "-machine") + 1));
        assertFalse(String.join(" ", a).contains("memfd"));
    }

    @Test
    void userModeForwardsJoinTheManagementNetdevAfterSsh() {
        List<String> a = QemuArgs.build("lab", vm(false, List.of(new Forward(18080, 80, "tcp", "127.0.0.1"),
                new Forward(5353, 53, "udp", "0.0.0.0"))), PATHS, launch(Shares.NINEP));
        assertEquals("user,id=mgmt,hostfwd=tcp:127.0.0.1:40222-:22,hostfwd=tcp:127.0.0.1:18080-:80,hostfwd=udp:0.0.0.0:5353-:53",
                a.get(indexOf(a, "-netdev") + 1));
    }

    @Test
    void transportIsVirtiofsOnlyAsRootWithVirtiofsd() {
        assertEquals("virtiofs", Shares.transport(true, Path.of("/usr/lib/qemu/virtiofsd")));
        assertEquals("9p", Shares.transport(false, Path.of("/usr/lib/qemu/virtiofsd")));
        assertEquals("9p", Shares.transport(true, null));
        assertEquals("9p", Shares.chosen(true, Path.of("/usr/lib/qemu/virtiofsd"), "9p"));
        assertEquals("virtiofs", Shares.chosen(true, Path.of("/usr/lib/qemu/virtiofsd"), ""));
        assertEquals("MEROS_MOUNT_TRANSPORT=nfs is not a mount transport (virtiofs or 9p)",
                assertThrows(MerosException.class, () -> Shares.chosen(true, null, "nfs")).getMessage());
    }

    @Test
    void forwardSpecParsing() {
        assertEquals(new Forward(8080, 80, "tcp", "127.0.0.1"), Forward.parse("8080:80"));
        assertEquals("tcp 127.0.0.1:8080 -> 80", Forward.parse("8080:80").toString());
        for (String bad : List.of("8080", "8080:", ":80", "0:80", "8080:65536", "a:b", "1:2:3", "-1:80")) {
            assertThrows(IllegalArgumentException.class, () -> Forward.parse(bad), bad);
        }
        assertEquals("'70000' in '70000:80' is not a port (1..65535)",
                assertThrows(IllegalArgumentException.class, () -> Forward.parse("70000:80")).getMessage());
    }

    @Test
    void infoListsMountsWithTransportAndForwardsWithHowTheyAreMade() {
        Info info = new Info("lab", List.of(new Info.VmRow("web", RunState.RUNNING, null, 42, "x86_64", Vm.Accel.TCG, Duration.ofSeconds(5), List.of(), "127.0.0.1:40222", "d", true, "cold")),
                List.of(),
                List.of(new Info.MountRow("web", "shared", "/mnt/shared", "ro", "virtiofs")),
                List.of(new Info.ForwardRow("web", "tcp", "127.0.0.1:18080", 80, "hostfwd", "manifest"),
                        new Info.ForwardRow("web", "tcp", "127.0.0.1:18081", 8000, "hostfwd", "live")));
        assertEquals("""
                constellation lab
                VM   STATE    PID  ARCH    ACCEL  UPTIME  ADDRESSES  SSH              DISK  STARTED
                web  running  42   x86_64  tcg    5s      -          127.0.0.1:40222  d     cold
                MOUNT  SOURCE  TARGET       MODE  TRANSPORT
                web    shared  /mnt/shared  ro    virtiofs
                FORWARD  PROTO  HOST             GUEST  VIA      ORIGIN
                web      tcp    127.0.0.1:18080  80     hostfwd  manifest
                web      tcp    127.0.0.1:18081  8000   hostfwd  live""", info.render());
    }

    @Test
    void portOwnerReadsListeningTcpAndAnyUdpSocketsOfThePort(@TempDir Path tmp) throws Exception {
        Path tcp = tmp.resolve("tcp");
        Files.writeString(tcp, """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
                   1: 0100007F:46A0 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
                   2: 00000000:46A1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0
                """);
        assertEquals(Set.of("111"), PortOwner.inodes(tcp, 18080, true));
        assertEquals(Set.of("111", "222"), PortOwner.inodes(tcp, 18080, false));
        assertEquals(Set.of(), PortOwner.inodes(tmp.resolve("missing"), 18080, true));
    }

    @Test
    void aBoundHostPortIsRefusedWithItsOwnerNamed(@TempDir Path tmp) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = s.getLocalPort();
            String why = Forwards.clash(new Home(tmp), "c", "vm", new Forward(port, 80, "tcp", "127.0.0.1"));
            assertEquals("host port tcp 127.0.0.1:" + port + " is already in use by pid " + ProcessHandle.current().pid() + " (java)", why);
            // 0.0.0.0 overlaps every address
            assertNotNull(Forwards.clash(new Home(tmp), "c", "vm", new Forward(port, 80, "tcp", "0.0.0.0")));
        }
    }

    @Test
    void aFreeHostPortIsNoClash(@TempDir Path tmp) {
        int port = VmRuntime.freeLoopbackPort();
        assertNull(Forwards.clash(new Home(tmp), "c", "vm", new Forward(port, 80, "tcp", "127.0.0.1")));
        assertNull(Forwards.clash(new Home(tmp), "c", "vm", new Forward(port, 80, "udp", "127.0.0.1")));
    }

    /** An address this host does not have is named as such, not as a port in use (192.0.2.1 is TEST-NET-1, RFC 5737). */
    @Test
    void anAddressThisHostLacksIsNamed(@TempDir Path tmp) {
        int port = VmRuntime.freeLoopbackPort();
        assertEquals("host port tcp 192.0.2.1:" + port + ": 192.0.2.1 is not an address of this host (forward from 127.0.0.1,"
                + " 0.0.0.0 or one of its own)", Forwards.clash(new Home(tmp), "c", "vm", new Forward(port, 80, "tcp", "192.0.2.1")));
    }

    /** bind(2)'s EACCES for a port below ip_unprivileged_port_start (a user without root) names the limit and the ways out. */
    @Test
    void aPrivilegedPortForAUserWithoutRootIsNamed() {
        int start = Forwards.unprivilegedPortStart();
        assertEquals("host port tcp 127.0.0.1:80 is below " + start + " (net.ipv4.ip_unprivileged_port_start), which only root may bind:"
                        + " forward from a port of " + start + " or more, or run meros as root",
                Forwards.whyUnbindable(new Forward(80, 80, "tcp", "127.0.0.1"), "Permission denied"));
        assertEquals("host port udp 127.0.0.1:53 is already in use",
                Forwards.whyUnbindable(new Forward(53, 53, "udp", "127.0.0.1"), "Address already in use").replaceAll(" by .*", ""));
    }
}
