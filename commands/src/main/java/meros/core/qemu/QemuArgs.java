package meros.core.qemu;

import meros.core.manifest.Forward;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.state.VmPaths;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The QEMU command line of one VM: a function of the VM, its paths, the chosen acceleration and network, and whether
 * its initrd begins with meros's init ({@link RdInit#present}, the file's first bytes).
 */
public final class QemuArgs {
    private QemuArgs() { }

    /**
     * The CPU model of aarch64 VMs under TCG: {@code max} without the cost of emulating the architected pointer
     * authentication (QARMA) on every call and return; QEMU's implementation-defined algorithm is much cheaper to
     * emulate (QEMU docs, "A-profile CPU architecture support", pauth-impdef). Measured by scripts/bench/boot.
     */
    static final String AARCH64_TCG_CPU = "max,pauth-impdef=on";

    /**
     * The CPU model of x86 VMs under TCG: QEMU's default {@code qemu64} with RDRAND, which TCG emulates from the host's
     * random source. Linux trusts RDRAND as a seed ({@code random.trust_cpu}, on by default) and so has its random
     * number generator initialized at the start of the boot ("random: crng init done" at 0.000000 with it, not within
     * a minute without it, same kernel, 2 vCPUs), before the other vCPUs are brought up. Without it the generator
     * became ready some time into the boot, and the kernel then rewrote {@code getrandom}'s static branch through int3
     * breakpoints while the other vCPU ran userspace calling it: under multi-threaded TCG (QEMU 7.2) a vCPU can run a
     * translation that still holds the breakpoint after the rewrite, and the guest died in
     * {@code __x64_sys_getrandom} with a kernel panic (seen in a CI run, 16.8 s into a cold boot of demo). It is the
     * same fault as the scheduler clock's ({@link #TCG_TSC_UNSTABLE}): a static key flipped after SMP is up, which
     * this keeps from happening.
     */
    public static final String X86_TCG_CPU = "qemu64,+rdrand";
    /** {@link #X86_TCG_CPU} for i386 VMs: {@code qemu-system-i386}'s default {@code qemu32} with RDRAND. */
    static final String X86_32_TCG_CPU = "qemu32,+rdrand";

    /**
     * The {@code -accel} value of a VM restarted after its kernel panicked under multi-threaded TCG: every vCPU on one
     * host thread, in turn (qemu(1), {@code -accel tcg,thread=single|multi}). Under multi-threaded TCG (QEMU's default for an x86
     * guest on an x86 host) a vCPU can go on running a translation of code that another vCPU has just rewritten. Linux
     * rewrites its code while it runs, through int3 breakpoints: static keys and jump labels flipped after the other
     * CPUs are up (the scheduler clock's and {@code getrandom}'s killed guests here; there are many more). A CI run here
     * (QEMU 7.2, 2 cores, a busy host) saw a trixie guest die 11.5 s into its boot in {@code kmem_cache_free}, its RIP
     * on the second byte of a 2-byte NOP ({@code 66 90}, the NOP a jump label is patched to): the same kind of fault,
     * as far as its report shows (its first lines were not kept). One host thread runs one
     * vCPU at a time and drops a rewritten page's translations before any vCPU runs again, so this cannot happen, but
     * a boot then takes about 1.5 times as long (demo: 23.6–25.0 s against 15.7–17.4 s), so it is the fallback, not
     * the default.
     */
    public static final String TCG_SINGLE_THREADED = "tcg,thread=single";

    /** Multicast group of the user-mode (socket) networks that stand in for bridges. */

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
     * @param mountTransport how the VM's mounts are served: {@link Shares#VIRTIOFS} (a virtiofsd per mount, guest RAM
     *                 in a shared memfd) or {@link Shares#NINEP}
     * @param singleThreadedTcg under TCG, run every vCPU on one host thread ({@link #TCG_SINGLE_THREADED}) instead of
     *                 one thread each; ignored under KVM
     */
    public record Launch(Path kernel, Path initrd, Path disk, Vm.Accel accel, boolean userNet, int sshPort,
                         Map<String, Integer> mcastPorts, String mountTransport, boolean singleThreadedTcg) {
        /** A launch under multi-threaded TCG (QEMU's default) when under TCG. */
        public Launch(Path kernel, Path initrd, Path disk, Vm.Accel accel, boolean userNet, int sshPort,
                      Map<String, Integer> mcastPorts, String mountTransport) {
            this(kernel, initrd, disk, accel, userNet, sshPort, mcastPorts, mountTransport, false);
        }

        /** A launch whose mounts (if any) go over 9p. */
        public Launch(Path kernel, Path initrd, Path disk, Vm.Accel accel, boolean userNet, int sshPort, Map<String, Integer> mcastPorts) {
            this(kernel, initrd, disk, accel, userNet, sshPort, mcastPorts, Shares.NINEP);
        }
    }

    public static List<String> build(String constellation, Vm vm, VmPaths paths, Launch l) {
        List<String> a = new ArrayList<>();
        a.add("qemu-system-" + vm.arch());
        a.add("-name");
        a.add("guest=" + constellation + "/" + vm.name());
        boolean virtiofs = !vm.mounts().isEmpty() && Shares.VIRTIOFS.equals(l.mountTransport());
        a.add("-machine");
        // vhost-user-fs needs guest RAM the virtiofsd can map: a shared memfd backend
        a.add(machine(vm.arch()) + (virtiofs ? ",memory-backend=" + MEM_ID : ""));
        if (virtiofs) {
            a.add("-object");
            a.add("memory-backend-memfd,id=" + MEM_ID + ",size=" + vm.memoryMiB() + "M,share=on");
        }
        a.add("-accel");
        a.add(l.accel() == Vm.Accel.KVM ? "kvm" : l.singleThreadedTcg() ? TCG_SINGLE_THREADED : "tcg");
        if (l.accel() == Vm.Accel.KVM) {
            a.add("-cpu");
            a.add("host");
        } else if (vm.arch().equals("aarch64")) {
            a.add("-cpu");
            a.add(AARCH64_TCG_CPU);
        } else if (x86(vm.arch())) {
            a.add("-cpu");
            a.add(vm.arch().equals("i386") ? X86_32_TCG_CPU : X86_TCG_CPU);
        } else {
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
        a.add(cmdline(vm, l.accel(), RdInit.present(l.initrd()), l.userNet() ? managementMac(constellation, vm.name()) : null));
        for (Nic n : vm.networks()) {
            a.add("-netdev");
            if (l.userNet()) {
                Integer port = l.mcastPorts().get(n.bridge());
                if (port == null) throw new IllegalArgumentException("no multicast port for bridge " + n.bridge());
                a.add("socket,id=" + n.label() + ",mcast=" + mcastGroup(l.mcastPorts().keySet(), n.bridge()) + ":" + port
                        + ",localaddr=127.0.0.1");
            } else {
                a.add("tap,id=" + n.label() + ",ifname=" + n.label() + ",script=no,downscript=no");
            }
            a.add("-device");
            a.add(n.model() + ",netdev=" + n.label() + ",mac=" + n.mac());
        }
        if (l.userNet()) {
            a.add("-netdev");
            StringBuilder user = new StringBuilder("user,id=" + USER_NETDEV + ",hostfwd=tcp:127.0.0.1:" + l.sshPort() + "-:22");
            for (Forward f : vm.forwards()) user.append(",hostfwd=").append(hostfwd(f));
            a.add(user.toString());
            a.add("-device");
            a.add("virtio-net-pci,netdev=mgmt,mac=" + managementMac(constellation, vm.name()));
        } else if (vm.networks().isEmpty()) {
            a.add("-nic");
            a.add("none");
        }
        for (Mount m : vm.mounts()) {
            if (virtiofs) {
                a.add("-chardev");
                a.add("socket,id=" + m.tag() + ",path=" + opt(paths.virtiofsSocket(m.tag())));
                a.add("-device");
                a.add("vhost-user-fs-pci,chardev=" + m.tag() + ",tag=" + m.tag());
            } else {
                a.add("-fsdev");
                a.add("local,id=" + m.tag() + ",path=" + opt(m.source()) + ",security_model=none" + (m.readonly() ? ",readonly=on" : ""));
                a.add("-device");
                a.add("virtio-9p-pci,fsdev=" + m.tag() + ",mount_tag=" + m.tag());
            }
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
        if (x86(vm.arch())) {
            // a new generation ID per QEMU start: a guest resumed from a saved state reseeds its kernel's random
            // state (Linux's vmgenid driver treats the change as a VM fork)
            a.add("-device");
            a.add("vmgenid,guid=auto");
        }
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

    /** The id of the user-mode management netdev (where {@code hostfwd_add} adds forwards). */
    public static final String USER_NETDEV = "mgmt";
    static final String MEM_ID = "mem";

    /** A path inside a QEMU option value: commas doubled. */
    static String opt(Path p) { return p.toString().replace(",", ",,"); }

    /** A forward in QEMU's {@code hostfwd} syntax: {@code tcp:127.0.0.1:8080-:80}. */
    public static String hostfwd(Forward f) {
        return f.protocol() + ":" + f.address() + ":" + f.host() + "-:" + f.guest();
    }

    /**
     * The kernel command line: {@code root=/dev/vda rw console=<serial>}; when the initrd carries {@link RdInit}'s
     * script, {@code rdinit=/meros-init} and, for a VM on user-mode networking, {@code meros.ip=} with the management
     * NIC's MAC and QEMU's fixed user-mode address, netmask and gateway (QEMU docs, "Network emulation": the guest is
     * 10.0.2.15 behind 10.0.2.2); {@link #NO_CRYPTO_SELF_TESTS}; {@link #MODPROBE_BLACKLIST} with the
     * {@link #unusedDrivers} of this VM, when it has any; for an x86 guest under TCG whose
     * {@code kernel_args} set no {@code tsc=} of their own, {@link #TCG_TSC_UNSTABLE} (the kernel applies every
     * {@code tsc=} it is given, so a later one could not undo it); then the VM's {@code kernel_args} (last, so a VM
     * can override the others: the kernel takes the last of a repeated parameter, and {@code cryptomgr.notests=0}
     * turns the self-tests back on).
     *
     * @param accel   the resolved acceleration the VM starts with
     * @param rdinit  the initrd begins with {@link RdInit}'s archive
     * @param mgmtMac the user-mode management NIC's MAC, or null without user-mode networking
     */
    public static String cmdline(Vm vm, Vm.Accel accel, boolean rdinit, String mgmtMac) {
        String console = vm.arch().equals("aarch64") ? "ttyAMA0" : "ttyS0";
        StringBuilder b = new StringBuilder("root=/dev/vda rw console=").append(console);
        if (rdinit) {
            b.append(" rdinit=").append(RdInit.PATH);
            if (mgmtMac != null) b.append(" meros.ip=").append(mgmtMac).append(',').append(USER_NET_GUEST);
        }
        b.append(' ').append(NO_CRYPTO_SELF_TESTS);
        List<String> unused = unusedDrivers(vm, accel);
        if (!unused.isEmpty()) b.append(' ').append(MODPROBE_BLACKLIST).append(String.join(",", unused));
        String own = vm.kernelArgs() == null ? "" : vm.kernelArgs().strip();
        boolean ownTsc = Arrays.stream(own.split("\\s+")).anyMatch(w -> w.startsWith("tsc="));
        if (accel == Vm.Accel.TCG && x86(vm.arch()) && !ownTsc) {
            b.append(' ').append(TCG_TSC_UNSTABLE);
        }
        if (!own.isEmpty()) b.append(' ').append(own);
        return b.toString();
    }

    /**
     * Whether the kernel prints its banner ({@code Linux version ...}) on the console under these {@code kernel_args}
     * (meros's own part of the command line sets no log level). The banner is a {@code KERN_NOTICE} (5) message, and
     * the console shows only messages below the console log level: 7 by default, 4 after {@code quiet}, 10 after
     * {@code debug}, N after {@code loglevel=N}; the kernel applies these in order, so the last one counts, and
     * {@code ignore_loglevel} shows every message (kernel-parameters.txt, Documentation/core-api/printk-basics.rst).
     *
     * @param kernelArgs a VM's {@code kernel_args}, or null
     * @return false when they lower the console log level to 5 or below (e.g. {@code quiet}, {@code loglevel=3})
     */
    public static boolean kernelBannerOnConsole(String kernelArgs) {
        if (kernelArgs == null || kernelArgs.isBlank()) return true;
        int level = DEFAULT_CONSOLE_LOGLEVEL;
        for (String w : kernelArgs.strip().split("\\s+")) {
            if (w.equals("ignore_loglevel")) return true;
            if (w.equals("quiet")) level = QUIET_CONSOLE_LOGLEVEL;
            else if (w.equals("debug")) level = DEBUG_CONSOLE_LOGLEVEL;
            else if (w.startsWith("loglevel=")) {
                try {
                    level = Integer.parseInt(w.substring("loglevel=".length()));
                } catch (NumberFormatException e) {
                    // the kernel ignores a loglevel= it cannot parse
                }
            }
        }
        return level > KERN_NOTICE;
    }

    /** The kernel's console log level without parameters ({@code CONFIG_CONSOLE_LOGLEVEL_DEFAULT}, 7 in Debian's kernels). */
    static final int DEFAULT_CONSOLE_LOGLEVEL = 7;
    /** After {@code quiet} ({@code CONFIG_CONSOLE_LOGLEVEL_QUIET}, 4 in Debian's kernels). */
    static final int QUIET_CONSOLE_LOGLEVEL = 4;
    /** After {@code debug} ({@code CONSOLE_LOGLEVEL_DEBUG}). */
    static final int DEBUG_CONSOLE_LOGLEVEL = 10;
    /** The level of the kernel's banner ({@code pr_notice} in {@code start_kernel}). */
    static final int KERN_NOTICE = 5;

    /** The guest's side of QEMU's user-mode network as {@code meros.ip=} wants it: address, netmask, gateway. */
    static final String USER_NET_GUEST = "10.0.2.15,255.255.255.0,10.0.2.2";

    /**
     * Skips the kernel crypto API's self-tests of every algorithm it registers at boot (kernel-parameters.txt,
     * {@code cryptomgr.notests}): they verify the host CPU's implementations, which a test VM has no reason to doubt,
     * and under TCG they cost about 0.3–0.5 s of every cold boot (the kernel's part by systemd-analyze: 3.95–4.16 s
     * with them, 3.61–3.71 s without, TCG).
     */
    static final String NO_CRYPTO_SELF_TESTS = "cryptomgr.notests";

    /**
     * Keeps an x86 guest under TCG from flipping its scheduler clock's static key while its other vCPUs run
     * (kernel-parameters.txt, {@code tsc=unstable}: "marks the TSC unconditionally unstable at bootup and avoids any
     * further wobbles once the TSC watchdog notices"). Otherwise the kernel marks {@code sched_clock} stable at its
     * late initcalls, and unstable again whenever the TSC watchdog loses trust in the emulated TSC on a loaded host;
     * each time it rewrites {@code sched_clock_cpu}, the hottest function of the scheduler, through int3
     * breakpoints. Under multi-threaded TCG (QEMU 7.2) a vCPU can go on running a translation that still holds the
     * breakpoint after the rewrite: the guest dies with {@code Oops: int3} in {@code sched_clock_cpu} and a kernel
     * panic (seen once in a CI run, demo's 2 vCPUs, 2.2 s into the boot). The guest uses the HPET clocksource
     * instead; cold boots of demo measured the same with and without it (15.7–17.4 s against 15.8–17.2 s, three
     * each). Single-threaded TCG ({@link #TCG_SINGLE_THREADED}) also avoids it but measured 23.6–25.0 s: meros uses
     * it only to restart a guest whose kernel panicked under multi-threaded TCG.
     */
    public static final String TCG_TSC_UNSTABLE = "tsc=unstable";

    /**
     * kmod's kernel command line form of a modprobe.d {@code blacklist} (modprobe.d(5), "COMMAND LINE"): udev does not
     * load the listed modules for a device's alias, while {@code modprobe NAME} still loads them, and a VM's own
     * {@code kernel_args} may add another {@code modprobe.blacklist=} (kmod takes every one it finds).
     */
    static final String MODPROBE_BLACKLIST = "modprobe.blacklist=";

    /**
     * Drivers that udev would load at boot for devices of QEMU's x86 {@code q35} machine which this VM does not use:
     * under TCG each module load costs the guest's CPUs a visible part of the boot (loading the 5.5 MB xfs module took
     * 1.4 s in a trixie guest), and these loads ran while sshd answered meros's first login. Only for an x86 VM
     * booting its distribution's kernel (a meros-built kernel has no modules):
     * <ul>
     *   <li>{@code ahci}, the SATA controller that holds q35's CD drive (the drive's own drivers, {@code sr_mod} and
     *   {@code cdrom}, are blacklisted in the image; meros attaches no SATA device), when the VM passes no
     *   {@code qemu_args} of its own that could add one;</li>
     *   <li>{@code bochs} (the VGA's DRM driver; the console stays in VGA text mode, which {@code screendump} still
     *   shows), {@code vga16fb} and {@code psmouse}, when the VM also has no {@code display}: nobody sees its screen
     *   or moves its mouse;</li>
     *   <li>{@code kvm_amd} and {@code kvm_intel} under TCG: TCG's emulated CPU offers SVM, and KVM inside a TCG guest
     *   is of no use to a meros VM ({@code modprobe kvm_amd} still works).</li>
     * </ul>
     * Measured (demo, TCG, 2 cores, four alternating cold boots each, with this list plus {@code serio_raw}): ready in
     * 15.2–17.1 s (median 16.25) without, 14.8–16.7 s (median 15.05) with; QEMU's CPU time at ready 23.3–26.3 s
     * against 22.1–24.9 s.
     */
    static List<String> unusedDrivers(Vm vm, Vm.Accel accel) {
        List<String> unused = new ArrayList<>();
        if (!x86(vm.arch()) || vm.kernel() != null) return unused;
        boolean ownDevices = !vm.qemuArgs().isEmpty();
        boolean display = hasDisplay(vm.display());
        if (!ownDevices) unused.add("ahci");
        if (!ownDevices && !display) unused.addAll(List.of("bochs", "vga16fb", "psmouse"));
        if (accel == Vm.Accel.TCG) unused.addAll(List.of("kvm_amd", "kvm_intel"));
        return unused;
    }

    /**
     * Whether a {@code display} value shows the VM's screen: its type (the part before the first comma) is not
     * {@code none}; a null or blank value is no display, as {@code -display none} is what meros passes then.
     */
    static boolean hasDisplay(String display) {
        if (display == null || display.isBlank()) return false;
        return !display.split(",", 2)[0].strip().equals("none");
    }

    /** An x86 guest, 64- or 32-bit. */
    static boolean x86(String arch) {
        return arch.equals("x86_64") || arch.equals("i386");
    }

    static String machine(String arch) {
        return switch (arch) {
            case "x86_64", "i386" -> "q35";
            case "aarch64", "arm", "riscv64" -> "virt";
            default -> "none";
        };
    }

    /**
     * The multicast port of a constellation's user-mode networks: derived from the checkout and the constellation
     * (not the bridge: {@link #mcastGroup} tells a constellation's bridges apart), so two checkouts or constellations
     * rarely meet; {@link VmRuntime#start} refuses to start when another constellation of this checkout with VMs
     * recorded derives the same port.
     */
    public static int mcastPort(Path home, String constellation, String bridge) {
        return 20000 + Math.floorMod(fnv(home + "\0" + constellation), 20000);
    }

    /**
     * The multicast group of one bridge among a constellation's bridges: {@code 230.0.0.1} for the first by name,
     * {@code 230.0.0.2} for the second, and so on: one-to-one within the constellation, the same in every meros
     * process since every VM gets the same bridge names.
     */
    public static String mcastGroup(Collection<String> bridges, String bridge) {
        int i = new TreeSet<>(bridges).headSet(bridge).size();
        return "230.0." + (i / 254) + "." + (1 + i % 254);
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
