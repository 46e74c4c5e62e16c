package meros.core.qemu;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.state.VmPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

public class QemuArgsTest {
    static final VmPaths PATHS = new VmPaths(Path.of("/m/data/state/lab/web"));

    public static Vm vm(String name, List<Nic> nics, String kernelArgs, String display, List<String> extra) {
        return vm("x86_64", name, nics, kernelArgs, display, extra);
    }

    static Vm vm(String arch, String name, List<Nic> nics, String kernelArgs, String display, List<String> extra) {
        return new Vm(name, arch, "debian", "bookworm", List.of(), null, 2L << 30, 1024, 2, nics, null,
                kernelArgs, Vm.Accel.AUTO, display, extra, "user", name, Vm.NetworkMode.AUTO, false, 300);
    }

    public static final Nic WEB0 = new Nic("lab-web0", "labnet", "10.0.10.10", "virtio-net-pci", "52:54:00:aa:bb:01");

    @Test
    void bridgedVmWithTapsDirectKernelBootAndSockets() {
        Vm web = vm("web", List.of(WEB0), null, "none", List.of());
        var launch = new QemuArgs.Launch(Path.of("/m/data/disks/lab/web.vmlinuz"), Path.of("/m/data/disks/lab/web.initrd"),
                PATHS.overlay(), Vm.Accel.TCG, false, 0, Map.of());
        assertEquals(List.of(
                "qemu-system-x86_64", "-name", "guest=lab/web",
                "-machine", "q35", "-accel", "tcg", "-cpu", "qemu64,+rdrand", "-m", "1024M", "-smp", "2",
                "-drive", "file=/m/data/state/lab/web/overlay.qcow2,if=virtio,format=qcow2",
                "-kernel", "/m/data/disks/lab/web.vmlinuz", "-initrd", "/m/data/disks/lab/web.initrd",
                "-append", "root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable",
                "-netdev", "tap,id=lab-web0,ifname=lab-web0,script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=lab-web0,mac=52:54:00:aa:bb:01",
                "-qmp", "unix:/m/data/state/lab/web/qmp.sock,server=on,wait=off",
                "-qmp", "unix:/m/data/state/lab/web/qmp-events.sock,server=on,wait=off",
                "-chardev", "socket,path=/m/data/state/lab/web/qga.sock,server=on,wait=off,id=qga0",
                "-device", "virtio-serial", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                "-device", "vmgenid,guid=auto",
                "-serial", "file:/m/data/state/lab/web/serial.log",
                "-display", "none",
                "-pidfile", "/m/data/state/lab/web/qemu.pid",
                "-daemonize"), QemuArgs.build("lab", web, PATHS, launch));
    }

    @Test
    void userModeKvmOwnKernelDisplayKernelArgsAndExtraQemuArgs() {
        Nic e1 = new Nic("lab-web1", "backnet", "10.0.20.10", "e1000", "52:54:00:aa:bb:02");
        Vm web = vm("web", List.of(WEB0, e1), " quiet loglevel=3 ", "gtk", List.of("-device", "virtio-rng-pci"));
        var launch = new QemuArgs.Launch(Path.of("/m/data/disks/bzImage"), null, PATHS.overlay(), Vm.Accel.KVM, true, 40222,
                Map.of("labnet", 21000, "backnet", 22000));
        assertEquals(List.of(
                "qemu-system-x86_64", "-name", "guest=lab/web",
                "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "1024M", "-smp", "2",
                "-drive", "file=/m/data/state/lab/web/overlay.qcow2,if=virtio,format=qcow2",
                "-kernel", "/m/data/disks/bzImage",
                "-append", "root=/dev/vda rw console=ttyS0 cryptomgr.notests quiet loglevel=3",
                "-netdev", "socket,id=lab-web0,mcast=230.0.0.2:21000,localaddr=127.0.0.1",
                "-device", "virtio-net-pci,netdev=lab-web0,mac=52:54:00:aa:bb:01",
                "-netdev", "socket,id=lab-web1,mcast=230.0.0.1:22000,localaddr=127.0.0.1",
                "-device", "e1000,netdev=lab-web1,mac=52:54:00:aa:bb:02",
                "-netdev", "user,id=mgmt,hostfwd=tcp:127.0.0.1:40222-:22",
                "-device", "virtio-net-pci,netdev=mgmt,mac=" + QemuArgs.managementMac("lab", "web"),
                "-qmp", "unix:/m/data/state/lab/web/qmp.sock,server=on,wait=off",
                "-qmp", "unix:/m/data/state/lab/web/qmp-events.sock,server=on,wait=off",
                "-chardev", "socket,path=/m/data/state/lab/web/qga.sock,server=on,wait=off,id=qga0",
                "-device", "virtio-serial", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                "-device", "vmgenid,guid=auto",
                "-serial", "file:/m/data/state/lab/web/serial.log",
                "-display", "gtk",
                "-pidfile", "/m/data/state/lab/web/qemu.pid",
                "-daemonize",
                "-device", "virtio-rng-pci"), QemuArgs.build("lab", web, PATHS, launch));
    }

    /** A restart after a panic under multi-threaded TCG runs the vCPUs on one thread; KVM has no such setting. */
    @Test
    void singleThreadedTcgIsAnAccelPropertyAndKvmIgnoresIt() {
        Vm web = vm("web", List.of(WEB0), null, null, List.of());
        for (String arch : List.of("x86_64", "aarch64")) {
            Vm v = vm(arch, "web", List.of(WEB0), null, null, List.of());
            var single = new QemuArgs.Launch(Path.of("/k"), null, PATHS.overlay(), Vm.Accel.TCG, true, 4000, Map.of("labnet", 21000),
                    Shares.NINEP, true);
            List<String> argv = QemuArgs.build("lab", v, PATHS, single);
            assertEquals("tcg,thread=single", argv.get(argv.indexOf("-accel") + 1), arch);
            var multi = new QemuArgs.Launch(Path.of("/k"), null, PATHS.overlay(), Vm.Accel.TCG, true, 4000, Map.of("labnet", 21000));
            List<String> plain = QemuArgs.build("lab", v, PATHS, multi);
            assertEquals("tcg", plain.get(plain.indexOf("-accel") + 1), arch);
            // the rest of the command line is the same
            assertEquals(plain, argv.stream().map(a -> a.equals("tcg,thread=single") ? "tcg" : a).toList(), arch);
        }
        var kvm = new QemuArgs.Launch(Path.of("/k"), null, PATHS.overlay(), Vm.Accel.KVM, true, 4000, Map.of("labnet", 21000),
                Shares.NINEP, true);
        List<String> argv = QemuArgs.build("lab", web, PATHS, kvm);
        assertEquals("kvm", argv.get(argv.indexOf("-accel") + 1));
    }

    @Test
    void aarch64VmIsAVirtMachineWithATcgFriendlyCpuAndThePl011Console() {
        Vm board = vm("aarch64", "board", List.of(WEB0), "quiet", null, List.of());
        var launch = new QemuArgs.Launch(Path.of("/m/data/disks/Image"), null, PATHS.overlay(), Vm.Accel.TCG, true, 40223,
                Map.of("labnet", 21000));
        List<String> argv = QemuArgs.build("cross", board, PATHS, launch);
        assertEquals(List.of("qemu-system-aarch64", "-name", "guest=cross/board", "-machine", "virt", "-accel", "tcg",
                "-cpu", "max,pauth-impdef=on"), argv.subList(0, 9));
        assertEquals("root=/dev/vda rw console=ttyAMA0 cryptomgr.notests quiet", argv.get(argv.indexOf("-append") + 1));
        assertEquals("/m/data/disks/Image", argv.get(argv.indexOf("-kernel") + 1));
        assertFalse(argv.contains("-initrd"));
        assertTrue(argv.contains("virtio-net-pci,netdev=mgmt,mac=" + QemuArgs.managementMac("cross", "board")), argv.toString());
        assertTrue(argv.contains("virtio-net-pci,netdev=lab-web0,mac=52:54:00:aa:bb:01"), argv.toString());
    }

    /**
     * Under TCG an x86 guest's TSC is marked unstable from the start; under KVM, on other architectures, and where the
     * VM's kernel_args give a tsc= of their own (the kernel applies each tsc= it gets), not.
     */
    @Test
    void onlyAnX86GuestUnderTcgWithoutItsOwnTscGetsTscUnstable() {
        Vm web = vm("web", List.of(), null, null, List.of());
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable", QemuArgs.cmdline(web, Vm.Accel.TCG, false, null));
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse", QemuArgs.cmdline(web, Vm.Accel.KVM, false, null));
        Vm old = vm("i386", "old", List.of(), null, null, List.of());
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable", QemuArgs.cmdline(old, Vm.Accel.TCG, false, null));
        Vm board = vm("aarch64", "board", List.of(), null, null, List.of());
        assertEquals("root=/dev/vda rw console=ttyAMA0 cryptomgr.notests", QemuArgs.cmdline(board, Vm.Accel.TCG, false, null));
        Vm tuned = vm("web", List.of(), "tsc=reliable", null, List.of());
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=reliable", QemuArgs.cmdline(tuned, Vm.Accel.TCG, false, null));
        Vm other = vm("web", List.of(), "notsc_hint=1 quiet", null, List.of());
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable notsc_hint=1 quiet",
                QemuArgs.cmdline(other, Vm.Accel.TCG, false, null));
    }

    /** A display is its type, the part before the first comma: {@code none} with QEMU options is still no display. */
    @Test
    void noneWithOptionsIsNoDisplay() {
        List<String> noScreen = List.of("ahci", "bochs", "vga16fb", "psmouse");
        assertEquals(noScreen, QemuArgs.unusedDrivers(vm("web", List.of(), null, "none,foo=bar", List.of()), Vm.Accel.KVM));
        assertEquals(List.of("ahci"), QemuArgs.unusedDrivers(vm("web", List.of(), null, "gtk,zoom-to-fit=on", List.of()), Vm.Accel.KVM));
        assertEquals(List.of("ahci"), QemuArgs.unusedDrivers(vm("web", List.of(), null, "nonesuch", List.of()), Vm.Accel.KVM));
        assertEquals(noScreen, QemuArgs.unusedDrivers(vm("web", List.of(), null, " ", List.of()), Vm.Accel.KVM));
    }

    /**
     * The q35 drivers a meros VM does not use are kept from loading at boot: the CD drive's SATA controller unless the
     * VM adds devices with qemu_args, the VGA's DRM driver, the framebuffer and the PS/2 mouse unless it also has a
     * display, KVM only under TCG; nothing on other architectures or with a kernel of meros's own (no modules).
     */
    @Test
    void unusedQ35DriversAreBlacklistedOnlyWhereNothingUsesThem() {
        Vm plain = vm("web", List.of(), null, null, List.of());
        assertEquals(List.of("ahci", "bochs", "vga16fb", "psmouse", "kvm_amd", "kvm_intel"), QemuArgs.unusedDrivers(plain, Vm.Accel.TCG));
        assertEquals(List.of("ahci", "bochs", "vga16fb", "psmouse"), QemuArgs.unusedDrivers(plain, Vm.Accel.KVM));
        assertEquals(QemuArgs.unusedDrivers(plain, Vm.Accel.KVM), QemuArgs.unusedDrivers(vm("web", List.of(), null, "none", List.of()), Vm.Accel.KVM));
        Vm shown = vm("web", List.of(), null, "vnc=127.0.0.1:1", List.of());
        assertEquals(List.of("ahci", "kvm_amd", "kvm_intel"), QemuArgs.unusedDrivers(shown, Vm.Accel.TCG));
        Vm ownDevices = vm("web", List.of(), null, null, List.of("-device", "ide-hd,drive=d1"));
        assertEquals(List.of("kvm_amd", "kvm_intel"), QemuArgs.unusedDrivers(ownDevices, Vm.Accel.TCG));
        assertEquals(List.of(), QemuArgs.unusedDrivers(ownDevices, Vm.Accel.KVM));
        assertEquals(List.of(), QemuArgs.unusedDrivers(vm("aarch64", "board", List.of(), null, null, List.of()), Vm.Accel.TCG));
        Vm ownKernel = new Vm("web", "x86_64", "debian", "bookworm", List.of(), null, 2L << 30, 1024, 2, List.of(), "bzImage",
                null, Vm.Accel.AUTO, null, List.of(), "user", "web", Vm.NetworkMode.AUTO, false, 300);
        assertEquals(List.of(), QemuArgs.unusedDrivers(ownKernel, Vm.Accel.TCG));
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests tsc=unstable", QemuArgs.cmdline(ownKernel, Vm.Accel.TCG, false, null));
        // a VM's own blacklist comes after meros's: kmod takes both
        Vm more = vm("web", List.of(), "modprobe.blacklist=virtio_balloon", null, List.of());
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse "
                + "modprobe.blacklist=virtio_balloon", QemuArgs.cmdline(more, Vm.Accel.KVM, false, null));
    }

    @Test
    void anInitrdCarryingMerosInitIsBootedThroughIt(@TempDir Path dir) throws IOException {
        Path initrd = dir.resolve("web.initrd");
        Files.write(initrd, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0});
        Vm web = vm("web", List.of(WEB0), "quiet", null, List.of());
        var plain = new QemuArgs.Launch(Path.of("/k"), initrd, Path.of("/o.qcow2"), Vm.Accel.TCG, false, 0, Map.of());
        List<String> before = QemuArgs.build("lab", web, PATHS, plain);
        assertEquals("root=/dev/vda rw console=ttyS0 cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable quiet", before.get(before.indexOf("-append") + 1));
        RdInit.prepend(initrd);
        List<String> after = QemuArgs.build("lab", web, PATHS, plain);
        // the VM's kernel_args still come last, so they can override what meros sets
        assertEquals("root=/dev/vda rw console=ttyS0 rdinit=/meros-init cryptomgr.notests modprobe.blacklist=ahci,bochs,vga16fb,psmouse,kvm_amd,kvm_intel tsc=unstable quiet", after.get(after.indexOf("-append") + 1));
    }

    @Test
    void bridgedVmWithoutNicsGetsNoDefaultNic() {
        Vm solo = vm("solo", List.of(), null, null, List.of());
        var launch = new QemuArgs.Launch(Path.of("/k"), Path.of("/i"), Path.of("/o.qcow2"), Vm.Accel.TCG, false, 0, Map.of());
        List<String> argv = QemuArgs.build("c", solo, PATHS, launch);
        int i = argv.indexOf("-nic");
        assertEquals("none", argv.get(i + 1));
        assertEquals("none", argv.get(argv.indexOf("-display") + 1));
    }

    @Test
    void userModeNeedsAPortForEveryBridge() {
        Vm web = vm("web", List.of(WEB0), null, null, List.of());
        var launch = new QemuArgs.Launch(Path.of("/k"), null, Path.of("/o"), Vm.Accel.TCG, true, 4000, Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> QemuArgs.build("lab", web, PATHS, launch));
        assertEquals("no multicast port for bridge labnet", e.getMessage());
    }

    @Test
    void everyBridgeOfAConstellationGetsItsOwnMulticastGroupWhateverItsPort() {
        Set<String> groups = new HashSet<>();
        List<String> bridges = new ArrayList<>();
        for (int i = 0; i < 600; i++) bridges.add("br" + i);
        for (String b : bridges) assertTrue(groups.add(QemuArgs.mcastGroup(bridges, b)), b);
        assertEquals("230.0.0.1", QemuArgs.mcastGroup(List.of("labnet", "backnet"), "backnet"));
        assertEquals("230.0.0.2", QemuArgs.mcastGroup(List.of("labnet", "backnet"), "labnet"));
        assertEquals(QemuArgs.mcastGroup(List.of("a", "b", "c"), "b"), QemuArgs.mcastGroup(List.of("c", "b", "a"), "b"), "order of the map does not matter");
    }

    @Test
    void startRefusesWhenAnotherConstellationWithVmsDerivesTheSameMulticastPort(@TempDir Path tmp) throws Exception {
        Home home = new Home(tmp);
        int lab = QemuArgs.mcastPort(tmp, "lab", "");
        String twin = null;
        for (int i = 0; twin == null; i++) if (QemuArgs.mcastPort(tmp, "c" + i, "") == lab) twin = "c" + i;
        Vm web = vm("web", List.of(WEB0), "", "none", List.of());
        VmRuntime r = new VmRuntime(home, "lab", web);
        r.refuseSharedMulticastPort(); // nothing recorded anywhere
        Files.createDirectories(home.stateOf(twin).resolve("box"));
        r.refuseSharedMulticastPort(); // a directory without a recorded VM is not a user
        Files.writeString(home.stateOf(twin).resolve("box/vm.json"), "{}");
        var e = assertThrows(MerosException.class, r::refuseSharedMulticastPort);
        assertEquals("the user-mode networks of constellations lab and " + twin + " derive the same multicast port " + lab
                + " (from the checkout path and the name), so their VMs would share bridges; shut " + twin + " down or rename one of them", e.getMessage());
        var start = assertThrows(MerosException.class, () -> r.start(Vm.Accel.TCG, true, 40222, Map.of("labnet", lab)));
        assertEquals(e.getMessage(), start.getMessage(), "start refuses before anything else");
    }

    @Test
    void multicastPortIsStablePerBridgeAndDiffersBetweenConstellations() {
        Path home = Path.of("/m");
        int a = QemuArgs.mcastPort(home, "lab", "labnet");
        assertEquals(a, QemuArgs.mcastPort(home, "lab", "labnet"));
        assertNotEquals(a, QemuArgs.mcastPort(home, "lab2", "labnet"));
        assertNotEquals(a, QemuArgs.mcastPort(Path.of("/other"), "lab", "labnet"));
        assertTrue(a >= 20000 && a < 40000, "port " + a);
        assertTrue(QemuArgs.managementMac("lab", "web").matches("52:54:01(:[0-9a-f]{2}){3}"));
    }

    /** Whether the kernel's banner reaches the console: the last of quiet, debug and loglevel= counts; ignore_loglevel shows it always. */
    @Test
    void kernelArgsThatKeepTheBannerOffTheConsole() {
        for (String shown : new String[] {null, "", "  ", "console=tty0", "loglevel=6", "loglevel=7 ", "debug", "quiet debug",
                "quiet loglevel=8", "quiet ignore_loglevel", "loglevel=0 ignore_loglevel", "loglevel=x", "quiet_mode=1", "splash"}) {
            assertTrue(QemuArgs.kernelBannerOnConsole(shown), "shown with '" + shown + "'");
        }
        for (String hidden : new String[] {"quiet", "quiet splash", "  quiet\t", "loglevel=5", "loglevel=3", "loglevel=0",
                "debug quiet", "loglevel=8 quiet", "quiet loglevel=4", "console=ttyS0,115200 loglevel=1 panic=5"}) {
            assertFalse(QemuArgs.kernelBannerOnConsole(hidden), "hidden with '" + hidden + "'");
        }
    }
}
