package meros.core.qemu;

import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.state.VmPaths;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The QEMU command line of one VM: a pure function of the VM, its paths and the chosen acceleration and network. */
public final class QemuArgs {
    private QemuArgs() { }

    /**
     * The CPU model of aarch64 VMs under TCG: {@code max} without the cost of emulating the architected pointer
     * authentication (QARMA) on every call and return; QEMU's implementation-defined algorithm is much cheaper to
     * emulate (QEMU docs, "A-profile CPU architecture support", pauth-impdef). Measured by scripts/bench/boot.
     */
    static final String AARCH64_TCG_CPU = "max,pauth-impdef=on";

    /** Multicast group of the user-mode (socket) networks that stand in for bridges. */
    public static final String MCAST_GROUP = "230.0.0.1";

    /**
     * What is decided at start time.
     *
     * @param kernel   the kernel image for direct boot
     * @param initrd   its initrd, or null (a VM's own kernel boots without one)
     * @param disk     the disk QEMU opens (the VM's overlay)
     * @param accel    {@link Vm.Accel#KVM} or {@link Vm.Accel#TCG} (already resolved)
     * @param userNet  user-mode networking instead of taps
     * @param sshPort  the loopback port forwarded to the guest's port 22 (user mode only)
     * @param mcastPorts per bridge name, the multicast port of its socket network (user mode only)
     */
    public record Launch(Path kernel, Path initrd, Path disk, Vm.Accel accel, boolean userNet, int sshPort,
                         Map<String, Integer> mcastPorts) { }

    public static List<String> build(String constellation, Vm vm, VmPaths paths, Launch l) {
        List<String> a = new ArrayList<>();
        a.add("qemu-system-" + vm.arch());
        a.add("-name");
        a.add("guest=" + constellation + "/" + vm.name());
        a.add("-machine");
        a.add(machine(vm.arch()));
        a.add("-accel");
        a.add(l.accel() == Vm.Accel.KVM ? "kvm" : "tcg");
        if (l.accel() == Vm.Accel.KVM) {
            a.add("-cpu");
            a.add("host");
        } else if (vm.arch().equals("aarch64")) {
            a.add("-cpu");
            a.add(AARCH64_TCG_CPU);
        } else if (!vm.arch().equals("x86_64") && !vm.arch().equals("i386")) {
            a.add("-cpu");
            a.add("max");
        }
        a.add("-m");
        a.add(vm.memoryMiB() + "M");
        a.add("-smp");
        a.add(Integer.toString(vm.cpus()));
        a.add("-drive");
        a.add("file=" + l.disk() + ",if=virtio,format=qcow2");
        a.add("-kernel");
        a.add(l.kernel().toString());
        if (l.initrd() != null) {
            a.add("-initrd");
            a.add(l.initrd().toString());
        }
        a.add("-append");
        a.add(cmdline(vm));
        for (Nic n : vm.networks()) {
            a.add("-netdev");
            if (l.userNet()) {
                Integer port = l.mcastPorts().get(n.bridge());
                if (port == null) throw new IllegalArgumentException("no multicast port for bridge " + n.bridge());
                a.add("socket,id=" + n.label() + ",mcast=" + MCAST_GROUP + ":" + port + ",localaddr=127.0.0.1");
            } else {
                a.add("tap,id=" + n.label() + ",ifname=" + n.label() + ",script=no,downscript=no");
            }
            a.add("-device");
            a.add(n.model() + ",netdev=" + n.label() + ",mac=" + n.mac());
        }
        if (l.userNet()) {
            a.add("-netdev");
            a.add("user,id=mgmt,hostfwd=tcp:127.0.0.1:" + l.sshPort() + "-:22");
            a.add("-device");
            a.add("virtio-net-pci,netdev=mgmt,mac=" + managementMac(constellation, vm.name()));
        } else if (vm.networks().isEmpty()) {
            a.add("-nic");
            a.add("none");
        }
        a.add("-qmp");
        a.add("unix:" + paths.qmp() + ",server=on,wait=off");
        a.add("-qmp");
        a.add("unix:" + paths.events() + ",server=on,wait=off");
        a.add("-chardev");
        a.add("socket,path=" + paths.qga() + ",server=on,wait=off,id=qga0");
        a.add("-device");
        a.add("virtio-serial");
        a.add("-device");
        a.add("virtserialport,chardev=qga0,name=org.qemu.guest_agent.0");
        a.add("-serial");
        a.add("file:" + paths.serial());
        a.add("-display");
        a.add(vm.display() == null || vm.display().isBlank() ? "none" : vm.display());
        a.add("-pidfile");
        a.add(paths.pidfile().toString());
        a.add("-daemonize");
        a.addAll(vm.qemuArgs());
        return a;
    }

    /** {@code root=/dev/vda rw console=<serial>} plus the VM's {@code kernel_args}. */
    public static String cmdline(Vm vm) {
        String console = vm.arch().equals("aarch64") ? "ttyAMA0" : "ttyS0";
        String base = "root=/dev/vda rw console=" + console;
        return vm.kernelArgs() == null || vm.kernelArgs().isBlank() ? base : base + " " + vm.kernelArgs().strip();
    }

    static String machine(String arch) {
        return switch (arch) {
            case "x86_64", "i386" -> "q35";
            case "aarch64", "arm", "riscv64" -> "virt";
            default -> "none";
        };
    }

    /**
     * The multicast port of a bridge in user mode: derived from the checkout, the constellation and the bridge
     * name, so VMs sharing a bridge meet and two checkouts or constellations do not.
     */
    public static int mcastPort(Path home, String constellation, String bridge) {
        return 20000 + Math.floorMod(fnv(home + "\0" + constellation + "\0" + bridge), 20000);
    }

    /** A stable locally administered MAC for the user-mode management NIC. */
    public static String managementMac(String constellation, String vm) {
        int h = fnv("mgmt\0" + constellation + "\0" + vm);
        return String.format("52:54:01:%02x:%02x:%02x", (h >>> 16) & 255, (h >>> 8) & 255, h & 255);
    }

    static int fnv(String s) {
        int h = 0x811c9dc5;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }
}
