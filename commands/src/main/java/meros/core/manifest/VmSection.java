package meros.core.manifest;

import meros.core.base.IoErrors;
import meros.core.base.HostArch;
import meros.core.base.Names;
import meros.core.kernel.KernelImage;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads {@code virtual_machines:}: one entry per VM with its defaults, and each VM's {@code networks}. */
final class VmSection {
    /** VM and bridge names end up in file and interface names. */
    static final String NAME_RE = "[a-z0-9][a-z0-9_-]{0,30}";
    static final Set<String> KEYS = Set.of("arch", "distribution", "release", "packages", "mirror", "disk_size",
            "memory", "cpus", "networks", "kernel", "kernel_args", "accel", "display", "qemu_args", "user",
            "hostname", "network", "gui", "boot_timeout", "mounts", "forwards");
    static final Set<String> NIC_KEYS = Set.of("label", "bridge", "ip_addr", "model", "mac");
    static final List<String> ARCHES = List.of("x86_64", "aarch64");
    static final List<String> DISTRIBUTIONS = List.of("debian", "alpine");
    static final List<String> ACCELS = List.of("auto", "kvm", "tcg");
    static final List<String> NETWORK_MODES = List.of("auto", "bridge", "user");
    static final List<String> MODELS = List.of("virtio-net-pci", "e1000", "rtl8139", "e1000e");

    /** QEMU's {@code -display} types meros can start a VM with. */
    static final List<String> DISPLAYS = List.of("none", "gtk", "sdl", "vnc", "egl-headless", "spice-app", "dbus");

    /** QEMU's display types of other host systems than Linux, where meros runs: macOS's. */
    static final List<String> FOREIGN_DISPLAYS = List.of("cocoa");

    /**
     * QEMU's {@code -display} types that need QEMU's controlling terminal, which QEMU refuses together with the
     * {@code -daemonize} meros starts it with ({@code curses display cannot be used with -daemonize}).
     */
    static final List<String> TERMINAL_DISPLAYS = List.of("curses");

    /** Default {@code boot_timeout} in seconds. */
    static final int BOOT_TIMEOUT = 180;
    /** Default {@code boot_timeout} of an aarch64 VM: always emulated (TCG), its boot takes several times longer. */
    static final int EMULATED_BOOT_TIMEOUT = 600;

    static final long MIB = 1L << 20;
    static final long MIN_MEMORY_MIB = 64;
    static final long MIN_DISK = 64 * MIB;
    static final long MAX_DISK = 16L << 40;
    static final long MAX_MEMORY = 1L << 40;

    /**
     * An interface as the cross checks see it: its label, address and MAC, each null when it is missing or invalid (an
     * interface with a bad field still takes part with its good ones, so one run reports every problem).
     */
    record PlacedNic(String vm, String label, String ip, String mac, Node labelNode, Node ipNode, Node macNode, Node itemNode) { }

    /** Resolves manifest paths ({@code kernel:}) to files for the checks that look into them; null skips those checks. */
    Function<String, Path> files;
    private final String constellation;
    private final Problems problems;
    private final BridgeSection bridges;
    final SharingSection sharing;
    final Map<String, Vm> vms = new LinkedHashMap<>();
    final List<PlacedNic> nics = new ArrayList<>();
    /** Every VM's host name and where it came from, for {@link #checkHostNames}. */
    private final List<PlacedHostName> hostNames = new ArrayList<>();

    /** @param given whether the manifest says {@code hostname:} (else it is derived from the VM name) */
    private record PlacedHostName(String vm, String hostname, Node node, boolean given) { }

    /** Names every /etc/hosts has already (127.0.0.1 and ::1). */
    static final Set<String> RESERVED_HOSTNAMES = Set.of("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback");

    VmSection(String constellation, BridgeSection bridges, Problems problems) {
        this(constellation, null, bridges, problems);
    }

    /** @param dir the constellation directory: mount sources resolve against it (null: they are not checked) */
    VmSection(String constellation, Path dir, BridgeSection bridges, Problems problems) {
        this.sharing = new SharingSection(dir, problems);
        this.constellation = constellation;
        this.bridges = bridges;
        this.problems = problems;
    }

    void read(MapReader top, Node topNode) {
        Node raw = top.node("virtual_machines");
        if (raw == null) {
            Node k = top.keyNode("virtual_machines");
            if (k == null) top.missing("virtual_machines", "a constellation needs at least one VM");
            else problems.at(k, "virtual_machines: a constellation needs at least one VM");
            return;
        }
        MappingNode section = top.mapping("virtual_machines", "a mapping of VM names to VM settings");
        if (section == null) return;
        MapReader names = new MapReader(section, "virtual_machines", null, null, problems);
        if (names.keys().isEmpty() && section.getValue().isEmpty()) {
            // a mapping whose only keys were refused (null, a list) has had its problem reported
            problems.at(section, "virtual_machines: a constellation needs at least one VM");
        }
        for (String name : names.keys()) {
            Node key = names.keyNode(name);
            if (!name.matches(NAME_RE)) {
                problems.at(key, "VM name '" + name + "' is not safe as a file or interface name (use 1-31 lower-case letters, digits, '_' and '-', starting with a letter or digit)");
            }
            Node value = names.node(name);
            if (value != null && !(value instanceof MappingNode)) {
                String hint = KEYS.contains(name) ? " ('" + name + "' is a VM setting: indent it under a VM name)" : "";
                problems.at(value, "virtual_machines." + name + ": expected a mapping of VM settings (memory: ..., cpus: ...), got "
                        + Yamls.describe(value) + hint);
                continue;
            }
            MapReader vm = new MapReader((MappingNode) value, "virtual_machines." + name, key, KEYS, problems);
            Vm v = readVm(name, vm);
            vms.put(name, v);
            String derivedProblem = name.matches(NAME_RE) && !vm.has("hostname") ? HostName.problem(v.hostname()) : null;
            if (derivedProblem != null) {
                problems.at(key, "virtual_machines." + name + ": the host name derived from the VM name, '" + v.hostname()
                        + "', is not a host name: " + derivedProblem + "; or give the VM a hostname:");
            }
            // a name refused above has no host name to clash with (only one given with hostname:)
            else if (name.matches(NAME_RE) || vm.has("hostname")) {
                hostNames.add(new PlacedHostName(name, v.hostname(), vm.has("hostname") ? vm.node("hostname") : key, vm.has("hostname")));
            }
        }
        checkHostNames();
    }

    /**
     * Every guest's /etc/hosts lists each VM under its host name and, for a fully qualified one, its short name:
     * two VMs may not share either (compared without regard to case), nor take a name /etc/hosts already has.
     */
    private void checkHostNames() {
        Map<String, PlacedHostName> seen = new LinkedHashMap<>();
        for (PlacedHostName h : hostNames) {
            String where = "virtual_machines." + h.vm() + (h.given() ? ".hostname" : "");
            String how = h.given() ? "host name '" + h.hostname() + "'" : "host name '" + h.hostname() + "' (" + derivation(h.vm()) + ")";
            Set<String> names = new LinkedHashSet<>(List.of(HostName.key(h.hostname()), HostName.key(HostName.shortName(h.hostname()))));
            for (String n : names) {
                if (RESERVED_HOSTNAMES.contains(n)) {
                    problems.at(h.node(), where + ": " + how + " is reserved: every /etc/hosts already maps '" + n + "' to the loopback address");
                    break;
                }
                PlacedHostName other = seen.get(n);
                if (other != null && !other.vm().equals(h.vm())) {
                    String hint = h.given() ? "" : "; give one of them its own hostname:";
                    String otherHow = other.given() ? "" : ", " + derivation(other.vm());
                    String otherName = other.hostname().equals(h.hostname()) || !other.hostname().equalsIgnoreCase(h.hostname())
                            ? "" : "; host names are compared ignoring case";
                    problems.at(h.node(), where + ": " + how + " clashes with VM '" + other.vm() + "' (host name '" + other.hostname()
                            + "'" + otherHow + ", line " + (other.node().getStartMark().getLine() + 1) + "): every guest's /etc/hosts would list '"
                            + n + "' for both" + otherName + hint);
                    break;
                }
            }
            for (String n : names) seen.putIfAbsent(n, h);
        }
    }

    /**
     * Other tools' names for the architectures meros runs (Debian's and Go's {@code arm64}/{@code amd64}, ...): a
     * manifest must use QEMU's, the {@code qemu-system-} suffix, and is told which one.
     */
    static final Map<String, String> ARCH_SYNONYMS = Map.of("arm64", "aarch64", "armv8", "aarch64", "amd64", "x86_64",
            "x64", "x86_64", "x86", "x86_64", "intel64", "x86_64");

    /** The host's architecture under QEMU's name. */
    static String hostArch() { return HostArch.qemuName(); }

    private Vm readVm(String name, MapReader m) {
        String asWritten = m.string("arch", null);
        String arch;
        if (asWritten != null && ARCH_SYNONYMS.containsKey(asWritten)) {
            m.problem(m.node("arch"), m.at("arch") + ": '" + asWritten + "' is " + ARCH_SYNONYMS.get(asWritten)
                    + " under another name: write arch: " + ARCH_SYNONYMS.get(asWritten) + " (QEMU's name, as in qemu-system-"
                    + ARCH_SYNONYMS.get(asWritten) + ")");
            arch = ARCH_SYNONYMS.get(asWritten);
        } else {
            arch = m.choice("arch", "x86_64", ARCHES);
        }
        String distribution = m.choice("distribution", "debian", DISTRIBUTIONS);
        boolean alpine = distribution.equals("alpine");
        if (alpine && !arch.equals(hostArch())) {
            m.problem(m.node("arch"), m.at("arch") + ": distribution alpine is built for this host's architecture ("
                    + hostArch() + ") only; an " + arch + " VM needs distribution: debian");
        }
        String release = word(m, "release", alpine ? "latest-stable" : "stable", "[a-z0-9][a-z0-9._-]*", "a release name such as stable, bookworm or latest-stable");
        List<String> packages = m.uniqueStrings("packages", s -> {
            if (!s.getValue().matches("[a-z0-9][a-z0-9+._-]*")) {
                throw new IllegalArgumentException("'" + s.getValue() + "' is not a package name");
            }
            return s.getValue();
        });
        String mirror = mirror(m);
        long disk = size(m, "disk_size", 2L << 30, MIB, MIN_DISK, MAX_DISK, false);
        long memory = size(m, "memory", 1024 * MIB, MIB, MIN_MEMORY_MIB * MIB, MAX_MEMORY, true) / MIB;
        int cpus = m.integer("cpus", 1, 1, 64);
        List<Nic> nicList = readNics(name, m);
        String kernel = m.string("kernel", null);
        if (kernel != null && HostPaths.shellSyntax(kernel, HostPaths.MEROS_DIR) != null) {
            m.problem(m.node("kernel"), m.at("kernel") + ": " + HostPaths.shellSyntax(kernel, HostPaths.MEROS_DIR));
        } else if (kernel != null) {
            kernelMatchesArch(m, name, kernel, arch);
        }
        String kernelArgs = kernelArgs(m);
        Vm.Accel accel = Vm.Accel.valueOf(m.choice("accel", "auto", ACCELS).toUpperCase(Locale.ROOT));
        if (accel == Vm.Accel.KVM && !arch.equals(hostArch())) {
            // KVM runs guests of the host's own architecture only; a foreign one is always emulated
            m.problem(m.node("accel"), m.at("accel") + ": kvm runs only " + hostArch() + " VMs on this host; an " + arch
                    + " VM is emulated (write accel: tcg or auto, or leave it out)");
        }
        String display = display(m);
        List<String> qemuArgs = qemuArgs(m, name);
        String user = word(m, "user", alpine ? "alpine" : "debian", "[a-z_][a-z0-9_-]{0,31}", "a Linux user name");
        String hostname = hostname(m, name);
        if (m.node("network") instanceof SequenceNode || m.node("network") instanceof MappingNode) {
            // Vagrant's config.vm.network and docker compose's networks: a list of NICs is meros's networks:
            problems.at(m.node("network"), m.at("network") + ": takes one mode (" + String.join(", ", NETWORK_MODES)
                    + "); NICs on bridges go in a list under 'networks:'");
        }
        Vm.NetworkMode network = Vm.NetworkMode.valueOf((m.node("network") instanceof ScalarNode || m.node("network") == null
                ? m.choice("network", "auto", NETWORK_MODES) : "auto").toUpperCase(Locale.ROOT));
        boolean gui = m.bool("gui", false);
        int bootTimeout = m.seconds("boot_timeout", arch.equals("aarch64") ? EMULATED_BOOT_TIMEOUT : BOOT_TIMEOUT, 1, 86400);
        List<Mount> mounts = sharing.mounts(m, user);
        List<Forward> forwards = sharing.forwards(name, m);
        // network: user keeps its networks: VMs sharing a bridge name are joined by a QEMU socket network
        Node nets = m.node("networks");
        if (network == Vm.NetworkMode.BRIDGE && (nets == null || nets instanceof SequenceNode sq && sq.getValue().isEmpty())) {
            problems.at(m.node("network"), m.at("network") + ": 'bridge' needs at least one entry under networks");
        }
        return new Vm(name, arch, distribution, release, List.copyOf(packages), mirror, disk, memory, cpus,
                List.copyOf(nicList), kernel, kernelArgs, accel, display, List.copyOf(qemuArgs), user, hostname,
                network, gui, bootTimeout, List.copyOf(mounts), List.copyOf(forwards));
    }

    /**
     * An existing {@code kernel:} must be a file, a Linux kernel image ({@link KernelImage#isKernel}), and one for the
     * VM's {@code arch} when its header tells (a missing one may be built later).
     */
    private void kernelMatchesArch(MapReader m, String vm, String kernel, String arch) {
        if (files == null) return;
        Path file;
        try {
            file = files.apply(kernel);
        } catch (InvalidPathException e) {
            m.problem(m.node("kernel"), m.at("kernel") + ": " + HostPaths.notAFileName(kernel, e));
            return;
        }
        if (Files.isDirectory(file)) {
            m.problem(m.node("kernel"), m.at("kernel") + ": " + kernel + " is a directory, not a kernel image (" + KernelImage.buildHint(arch) + ")");
            return;
        }
        if (!Files.isRegularFile(file)) return;
        Optional<String> is;
        try {
            if (!KernelImage.isKernel(file)) {
                m.problem(m.node("kernel"), m.at("kernel") + ": " + kernel + " is not a kernel image: it has no x86 bzImage, arm64 Image,"
                        + " ELF, gzip or EFI header (" + KernelImage.buildHint(arch) + ")");
                return;
            }
            is = KernelImage.arch(file);
        } catch (IOException e) {
            m.problem(m.node("kernel"), m.at("kernel") + ": cannot read " + kernel + ": " + IoErrors.reason(e, kernel));
            return;
        }
        if (is.isPresent() && !is.get().equals(arch)) {
            m.problem(m.node("kernel"), m.at("kernel") + ": " + kernel + " is an " + is.get() + " kernel, but VM '" + vm
                    + "' has arch " + arch + " (" + KernelImage.buildHint(arch) + ")");
        }
    }

    /**
     * {@code kernel_args:}, empty when absent. The kernel's command line is one line of text: a control character
     * (a line break, a tab, an escape, ...) in it is a problem, reported at the value.
     */
    private static String kernelArgs(MapReader m) {
        String s = m.string("kernel_args", "", true);
        int bad = s.codePoints().filter(Character::isISOControl).findFirst().orElse(-1);
        if (bad < 0) return s;
        String what = switch (bad) {
            case '\n', '\r' -> "a line break";
            case '\t' -> "a tab";
            default -> "a control character";
        };
        m.problem(m.node("kernel_args"), m.at("kernel_args") + ": the kernel command line is one line of text, but this has "
                + what + String.format(" (U+%04X); separate arguments with spaces", bad));
        return "";
    }

    /**
     * QEMU options a VM's {@code qemu_args} may not give, each with the rest of the sentence that names it
     * ({@code '-m' is set by meros from ...}); {@code <c>/<vm>} in it stands for the constellation and the VM.
     * meros appends {@code qemu_args} after its own options ({@code QemuArgs.build}), and then QEMU (7.2):
     * <ul>
     *   <li>exits at start for what needs its terminal, which it refuses together with the {@code -daemonize} meros
     *   starts it with: {@code -nographic} ("-nographic cannot be used with -daemonize"), {@code -display curses}
     *   ("curses display cannot be used with -daemonize"), a chardev on {@code stdio} ("cannot use stdio with
     *   -daemonize", see {@link #STDIO_QEMU_ARG});</li>
     *   <li>exits for a second choice of accelerator: {@code -enable-kvm} and {@code -machine accel=} next to meros's
     *   {@code -accel} ("The -accel and "-machine accel=" options are incompatible"); a further {@code -accel} is
     *   taken as a fallback, after meros's own;</li>
     *   <li>takes the last of a repeated {@code -m}, {@code -smp}, {@code -kernel}, {@code -initrd}, {@code -append}
     *   and {@code -pidfile}: the VM would run with other memory, CPUs, kernel or command line than the manifest says
     *   (and {@code info} shows), and meros's pidfile would never be written, so meros would lose the QEMU process;</li>
     *   <li>would run the VM in ways meros does not follow: {@code -incoming} and {@code -loadvm} against meros
     *   booting the VM or resuming a saved boot (with {@code -incoming} of its own), {@code -S} keeps the CPUs
     *   stopped while meros waits for the boot, {@code -no-reboot} ends QEMU on a reboot in the guest,
     *   {@code -no-shutdown} keeps it running after the guest powers off while meros waits for it to end.</li>
     * </ul>
     * {@code -display} is set from {@code display}, {@code -name} and {@code -daemonize} are meros's own;
     * {@code -curses} and {@code -sdl} are QEMU's old spellings
     * of {@code -display curses} and {@code -display sdl} (QEMU 7.2 no longer knows them). QEMU reads {@code --opt}
     * as {@code -opt}: {@link #qemuOption} matches both.
     */
    static final Map<String, String> REFUSED_QEMU_OPTIONS = pairs(
            "-m", "is set by meros from 'memory': write memory: instead (a bare number is MiB, as with -m)",
            "-smp", "is set by meros from 'cpus': write cpus: instead",
            "-accel", "is set by meros from 'accel': write accel: kvm, tcg or auto instead",
            "-enable-kvm", "is set by meros from 'accel': write accel: kvm instead",
            "-kernel", "is set by meros from 'kernel': write kernel: instead",
            "-initrd", "is set by meros with its kernel: write kernel: for a kernel of your own, which boots without an initrd",
            "-append", "is set by meros, with 'kernel_args' after its own parameters (root=, console=, ...): write kernel_args: instead",
            "-display", "is set by meros from 'display': write display: instead",
            "-nographic", "needs QEMU's terminal, which QEMU refuses with the -daemonize meros starts it with: leave it out"
                    + " (no display is the default; 'meros connect' gives a shell in the guest)",
            "-curses", "is QEMU's old -display curses: it needs QEMU's terminal, which QEMU refuses with the -daemonize meros"
                    + " starts it with; 'meros connect' gives a shell in the guest, display: vnc=:1 or gtk shows its screen",
            "-sdl", "is QEMU's old -display sdl, which meros sets from 'display': write display: sdl instead",
            "-name", "is set by meros (guest=<c>/<vm>): leave it out",
            "-pidfile", "is set by meros, which finds the VM's QEMU by its own pidfile (data/state/<c>/<vm>/qemu.pid),"
                    + " and QEMU writes only the last one given: leave it out",
            "-daemonize", "is set by meros, which always starts QEMU in the background: leave it out",
            "-incoming", "is set by meros, which resumes a saved boot with -incoming of its own: leave it out",
            "-loadvm", "would load a snapshot whenever meros boots or resumes the VM: load one with 'meros snapshot load' instead",
            "-S", "would keep the VM's CPUs stopped while meros waits for it to boot: leave it out ('meros pause' stops a running VM)",
            "-no-reboot", "would end QEMU when the guest reboots: leave it out",
            "-no-shutdown", "would keep QEMU running after the guest powers off, while meros waits for QEMU to end: leave it out");

    /**
     * A part of an option's value (QEMU's comma-separated {@code key=value} list) that is refused: one that does what
     * a refused option does, or a display that needs QEMU's terminal. A {@code part} ending in {@code =} matches any
     * value of that key.
     */
    record RefusedQemuValue(String option, String part, String why) {
        boolean matches(String p) {
            return part.endsWith("=") ? p.startsWith(part) : p.equals(part);
        }
    }

    /**
     * Refused parts of option values: what {@link #REFUSED_QEMU_OPTIONS} refuses under another name, and
     * {@code -display curses} (see {@link #TERMINAL_DISPLAYS}), told apart from the display meros sets.
     */
    static final List<RefusedQemuValue> REFUSED_QEMU_VALUES = List.of(
            new RefusedQemuValue("-machine", "accel=", "picks the accelerator, which meros sets from 'accel':"
                    + " write accel: kvm, tcg or auto instead of accel="),
            new RefusedQemuValue("-M", "accel=", "picks the accelerator, which meros sets from 'accel':"
                    + " write accel: kvm, tcg or auto instead of accel="),
            new RefusedQemuValue("-action", "reboot=shutdown", "is -no-reboot, which " + REFUSED_QEMU_OPTIONS.get("-no-reboot")),
            new RefusedQemuValue("-action", "shutdown=pause", "is -no-shutdown, which " + REFUSED_QEMU_OPTIONS.get("-no-shutdown")),
            new RefusedQemuValue("-display", "curses", "needs QEMU's terminal, which QEMU refuses with the -daemonize meros"
                    + " starts it with: 'meros connect' gives a shell in the guest, display: vnc=:1 or gtk shows its screen"));

    /**
     * Why a {@code qemu_args} item may not be QEMU's standard streams ({@code stdio}, {@code stdio,...} as a chardev,
     * {@code mon:stdio}): QEMU refuses them with {@code -daemonize} ("cannot use stdio with -daemonize").
     */
    static final String STDIO_QEMU_ARG = "uses QEMU's standard input and output, which QEMU refuses with the -daemonize"
            + " meros starts it with: 'meros connect' gives a shell in the guest, and its console is logged to"
            + " data/state/<c>/<vm>/serial.log";

    /** An option item that holds white space: QEMU would take it as one argument, spaces and all. */
    private static final Pattern WHITE_SPACE = Pattern.compile("\\s");

    /**
     * The {@code qemu_args} items refused whatever stands before them, as a regular expression an item must not
     * match (the same in java.util.regex and JSON Schema's ECMA-262): an option of {@link #REFUSED_QEMU_OPTIONS}
     * with one or two dashes, alone or with a value attached ({@code -m2048}, see {@link #attachedTo}), a standard
     * stream ({@link #STDIO_QEMU_ARG}), an option with white space in it, an option with a value attached by '='.
     */
    static String refusedQemuArgPattern() {
        StringBuilder names = new StringBuilder();
        for (String o : REFUSED_QEMU_OPTIONS.keySet()) names.append(names.length() == 0 ? "" : "|").append(o.substring(1));
        return "^(?:--?(?:" + names + ")(?:$|[=0-9])|stdio(?:,|$)|mon:stdio$|-\\S*\\s|-[^\\s=]+=)";
    }

    /** A problem of one {@code qemu_args} item: its index and the message (without the location). */
    record QemuArgProblem(int index, String message) { }

    /**
     * {@code qemu_args}: the items as given, each refused item reported at itself (see {@link #qemuArgProblems}).
     * The items that are refused are left in the list (the manifest does not load anyway).
     */
    private List<String> qemuArgs(MapReader m, String vm) {
        List<String> args = m.strings("qemu_args");
        problems.log().refusedItems(m.path(), "qemu_args", refusedQemuArgPattern());
        if (!(m.node("qemu_args") instanceof SequenceNode seq)) return args;
        List<Node> nodes = seq.getValue();
        List<String> items = new ArrayList<>();
        for (Node n : nodes) items.add(n instanceof ScalarNode s && !Yamls.isNull(n) ? s.getValue() : null);
        for (QemuArgProblem p : qemuArgProblems(items, constellation, vm)) {
            m.problem(nodes.get(p.index()), m.at("qemu_args") + "[" + p.index() + "]: " + p.message());
        }
        return args;
    }

    /**
     * The problems of a VM's {@code qemu_args}, in item order. Every item that begins with {@code -} is taken as an
     * option, any other as the value of the option before it. Refused: an option of {@link #REFUSED_QEMU_OPTIONS}, a
     * value with a part of {@link #REFUSED_QEMU_VALUES}, a standard stream ({@link #STDIO_QEMU_ARG}) as any item, and
     * an option with white space in it ({@code "-m 2048"}): its words are checked as items of their own, and when
     * none is refused the problem is that QEMU takes the item as one argument.
     *
     * @param items the items as written; null for an item that is not a single value (reported elsewhere)
     * @return the problems, one or more per refused item; none when all are allowed
     */
    static List<QemuArgProblem> qemuArgProblems(List<String> items, String constellation, String vm) {
        List<QemuArgProblem> out = new ArrayList<>();
        String option = null;
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            if (item == null) {
                option = null;
                continue;
            }
            boolean split = item.startsWith("-") && WHITE_SPACE.matcher(item).find();
            List<String> words = split ? List.of(item.strip().split("\\s+")) : List.of(item);
            List<String> found = new ArrayList<>();
            for (String w : words) {
                found.addAll(qemuWordProblems(w, option, split));
                option = qemuOption(w);
            }
            for (String f : found) {
                String msg = (split ? "'" + item + "': " : "") + f;
                out.add(new QemuArgProblem(i, msg.replace("<c>/<vm>", constellation + "/" + vm)));
            }
            if (split && found.isEmpty()) {
                out.add(new QemuArgProblem(i, "QEMU takes each item as one argument, spaces included: write '" + item + "' as "
                        + (words.size() == 1 ? "" : count(words.size()) + " items ") + flowList(words)));
            }
        }
        return out;
    }

    /**
     * The problems of one word of {@code qemu_args}, each a sentence that begins with the word; a value's begins
     * with its option instead when {@code inItem} (the item, named before it, holds the option too).
     */
    private static List<String> qemuWordProblems(String w, String option, boolean inItem) {
        String name = qemuOption(w);
        if (name != null) {
            String why = REFUSED_QEMU_OPTIONS.get(name);
            if (why != null) return List.of("'" + w + "' " + why);
            String attached = attachedTo(name);
            if (attached != null) {
                return List.of("'" + w + "' is " + attached + " with its value attached, which QEMU does not accept (\"" + w
                        + ": invalid option\"); and " + attached + " " + REFUSED_QEMU_OPTIONS.get(attached));
            }
            int eq = name.indexOf('=');
            if (eq > 1) {
                String value = name.substring(eq + 1);
                return List.of("'" + w + "' is " + name.substring(0, eq) + " with its value attached by '=', which QEMU does not accept (\""
                        + w + ": invalid option\"): write it as two items, " + flowList(List.of(name.substring(0, eq), value)));
            }
            return List.of();
        }
        if ("-vnc".equals(option)) {
            String vnc = vncProblem(w);
            if (vnc != null) return List.of("'" + w + "': " + vnc);
        }
        if (w.equals("stdio") || w.startsWith("stdio,") || w.equals("mon:stdio")) return List.of("'" + w + "' " + STDIO_QEMU_ARG);
        List<String> out = new ArrayList<>();
        for (RefusedQemuValue r : REFUSED_QEMU_VALUES) {
            if (!r.option().equals(option)) continue;
            for (String part : w.split(",")) {
                if (r.matches(part)) {
                    out.add((inItem ? "" : "'" + w + "': ") + r.option() + " " + r.part() + " " + r.why());
                    break;
                }
            }
        }
        return out;
    }

    /**
     * The refused option ({@link #REFUSED_QEMU_OPTIONS}) that {@code name} is with a value attached ({@code -m2048},
     * {@code -smp4}, {@code -m=2048}: the option followed by a digit or '='), or null. QEMU looks options up by the
     * whole argument and refuses these ("-m2048: invalid option").
     */
    static String attachedTo(String name) {
        for (String o : REFUSED_QEMU_OPTIONS.keySet()) {
            if (name.length() > o.length() && name.startsWith(o) && (Character.isDigit(name.charAt(o.length())) || name.charAt(o.length()) == '=')) {
                return o;
            }
        }
        return null;
    }

    /** The highest VNC display number: QEMU listens on TCP port 5900 + N, and a port is at most 65535. */
    static final int MAX_VNC_DISPLAY = 65535 - 5900;

    /**
     * Why a VNC display ({@code -display vnc=<this>} or {@code -vnc <this>}, before any {@code ,option}) cannot be
     * listened on, or null: a display number ({@code :N}, {@code host:N}) must be 0..{@link #MAX_VNC_DISPLAY}, since
     * QEMU listens on port 5900 + N. {@code unix:path} and {@code none} have no number and are not checked.
     */
    static String vncProblem(String value) {
        String display = value.split(",", 2)[0];
        if (display.startsWith("unix:")) return null;
        int colon = display.lastIndexOf(':');
        if (colon < 0) return null;
        String n = display.substring(colon + 1);
        if (!n.matches("-?[0-9]+")) return null;
        if (n.startsWith("-")) return "VNC display " + n + " is negative: use a display number 0.." + MAX_VNC_DISPLAY + " (port 5900 + N)";
        if (n.length() > 6 || Integer.parseInt(n) > MAX_VNC_DISPLAY) {
            return "VNC display " + n + " would listen on TCP port 5900 + " + n + ", past 65535: use a display number 0.."
                    + MAX_VNC_DISPLAY + " (port 5900 + N)";
        }
        return null;
    }

    /** The QEMU option an item names, with QEMU's {@code --opt} read as {@code -opt}; null for a value. */
    static String qemuOption(String item) {
        if (!item.startsWith("-") || item.equals("-") || item.equals("--")) return null;
        return item.startsWith("--") ? item.substring(1) : item;
    }

    /** Words as a YAML flow list: options plain, values quoted ({@code [-m, '2048']}). */
    private static String flowList(List<String> words) {
        List<String> shown = new ArrayList<>();
        for (String w : words) shown.add(w.matches("-[A-Za-z0-9_.-]+") ? w : "'" + w.replace("'", "''") + "'");
        return "[" + String.join(", ", shown) + "]";
    }

    private static String count(int n) {
        List<String> small = List.of("two", "three", "four", "five", "six", "seven", "eight", "nine");
        return n >= 2 && n <= 9 ? small.get(n - 2) : Integer.toString(n);
    }

    /** An ordered, unmodifiable map of the given keys and values (alternating). */
    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    /**
     * How {@link #defaultHostname} made the host name of VM {@code vm}, as a phrase: {@code the VM name} when it is the
     * name itself, else which of its rules changed it ({@code from the VM name 'web_1': '_' becomes '-'}).
     */
    static String derivation(String vm) {
        List<String> rules = new ArrayList<>();
        if (vm.contains("_")) rules.add("'_' becomes '-'");
        if (vm.replace('_', '-').endsWith("-")) rules.add("a trailing '-' is dropped");
        if (vm.replace('_', '-').replaceAll("-+$", "").length() > 63) rules.add("cut to 63 characters");
        return rules.isEmpty() ? "the VM name" : "from the VM name '" + vm + "': " + String.join(", ", rules);
    }

    /** The VM name as a host name: '_' becomes '-', no trailing '-'. */
    static String defaultHostname(String vm) {
        String h = vm.replace('_', '-').replaceAll("-+$", "");
        return h.length() > 63 ? h.substring(0, 63) : h;
    }

    /** {@code hostname:}, or the VM name with '_' as '-' (see {@link #defaultHostname}). */
    private static String hostname(MapReader m, String vm) {
        String s = m.string("hostname", null);
        if (s == null) return defaultHostname(vm);
        String why = HostName.problem(s);
        if (why == null) return s;
        m.problem(m.node("hostname"), m.at("hostname") + ": '" + s + "' is not a host name: " + why);
        return defaultHostname(vm);
    }

    private String word(MapReader m, String key, String def, String regex, String what) {
        String s = m.string(key, null);
        if (s == null) return def;
        if (s.matches(regex)) return s;
        m.problem(m.node(key), m.at(key) + ": '" + s + "' is not " + what);
        return def;
    }

    /** The {@code -display} value: a known type, optionally followed by QEMU's own options ({@code gtk,zoom-to-fit=on}, {@code vnc=:1}). */
    private static String display(MapReader m) {
        String s = m.string("display", null);
        if (s == null) return "none";
        String type = s.split("[,=:]", 2)[0];
        if (TERMINAL_DISPLAYS.contains(type)) {
            m.problem(m.node("display"), m.at("display") + ": display '" + type + "' draws on QEMU's terminal, and meros runs"
                    + " QEMU in the background (-daemonize), without a terminal; for a shell in the guest use 'meros connect',"
                    + " for its screen display: vnc=:1 or gtk");
            return "none";
        }
        if (FOREIGN_DISPLAYS.contains(type)) {
            m.problem(m.node("display"), m.at("display") + ": display '" + type + "' is QEMU's macOS display; on Linux use gtk,"
                    + " sdl or vnc=:1");
            return "none";
        }
        if (type.equals("vnc") && !s.startsWith("vnc=")) {
            // QEMU: "-display vnc: VNC requires a display argument vnc=<display>"
            m.problem(m.node("display"), m.at("display") + ": '" + s + "': QEMU's VNC display needs its display number: write"
                    + " vnc=:1 (port 5901 on every address; vnc=127.0.0.1:1 for this host only)");
            return "none";
        }
        if (type.equals("vnc") && vncProblem(s.substring("vnc=".length())) != null) {
            m.problem(m.node("display"), m.at("display") + ": '" + s + "': " + vncProblem(s.substring("vnc=".length())));
            return "none";
        }
        if (DISPLAYS.contains(type) && !s.matches(".*\\s.*")) return s;
        m.problem(m.node("display"), m.at("display") + ": unknown display '" + s + "'" + Names.didYouMean(type, DISPLAYS)
                + " (allowed: " + String.join(", ", DISPLAYS) + ", optionally with QEMU options, e.g. vnc=:1)");
        return "none";
    }

    private String mirror(MapReader m) {
        String s = m.string("mirror", null);
        if (s == null) return null;
        try {
            URI u = new URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            boolean ok = switch (scheme) {
                case "http", "https" -> u.getHost() != null;
                case "file" -> u.getPath() != null && !u.getPath().isEmpty();
                default -> false;
            };
            if (ok) return s;
        } catch (URISyntaxException ignored) {
            // reported below
        }
        m.problem(m.node("mirror"), m.at("mirror") + ": '" + s + "' is not a mirror URL (expected http://, https:// or file://)");
        return null;
    }

    /**
     * A size: a number in {@code bareUnit}s (by {@link Numbers}' rule) or a number with a unit ({@link Size}).
     * @param wholeMiB a size that is not a whole number of MiB is a problem naming the nearest whole values ({@code memory}:
     *                 QEMU's {@code -m} takes whole MiB); otherwise a fraction of a byte is dropped
     */
    private long size(MapReader m, String key, long def, long bareUnit, long min, long max, boolean wholeMiB) {
        Node n = m.node(key);
        String s = m.string(key, null);
        if (s == null) return def;
        try {
            long v;
            if (n instanceof ScalarNode sc && Numbers.looksNumeric(sc)) {
                long count = Numbers.parse(sc, false);
                if (count <= 0) throw new IllegalArgumentException("size '" + s + "' must be positive");
                v = Math.multiplyExact(count, bareUnit);
            } else {
                BigDecimal exact = Size.exact(s, bareUnit);
                BigDecimal mib = exact.divide(BigDecimal.valueOf(MIB));
                if (wholeMiB && mib.stripTrailingZeros().scale() > 0) {
                    String near = nearest(mib, s.matches(PLAIN_NUMBER) ? "" : "M", min / MIB, max / MIB);
                    m.problem(n, m.at(key) + ": " + s + " is " + mib.stripTrailingZeros().toPlainString() + " MiB, not a whole number of MiB"
                            + (near.isEmpty() ? ", and too " + (exact.compareTo(BigDecimal.valueOf(min)) < 0 ? "small (at least "
                            + Size.format(min) : "large (at most " + Size.format(max)) + ")" : "; write " + near));
                    return def;
                }
                v = Size.parse(s, bareUnit);
            }
            if (v < min) {
                m.problem(n, m.at(key) + ": " + s + " is too small (at least " + Size.format(min) + ")");
                return def;
            }
            if (v > max) {
                m.problem(n, m.at(key) + ": " + s + " is too large (at most " + Size.format(max) + ")");
                return def;
            }
            return v;
        } catch (ArithmeticException e) {
            m.problem(n, m.at(key) + ": " + s + " is too large (at most " + Size.format(max) + ")");
            return def;
        } catch (IllegalArgumentException e) {
            m.problem(n, m.at(key) + ": " + e.getMessage());
            return def;
        }
    }

    /** A size written as a plain number, without a unit. */
    private static final String PLAIN_NUMBER = "[0-9_.]+";

    /**
     * The whole numbers either side of {@code units} that lie in {@code min..max}, as {@code 2048 or 2049}, one of them,
     * or "" when neither does.
     */
    private static String nearest(BigDecimal units, String unit, long min, long max) {
        List<String> out = new ArrayList<>();
        for (BigDecimal b : List.of(units.setScale(0, RoundingMode.FLOOR), units.setScale(0, RoundingMode.CEILING))) {
            if (b.compareTo(BigDecimal.valueOf(min)) >= 0 && b.compareTo(BigDecimal.valueOf(max)) <= 0) out.add(b.toPlainString() + unit);
        }
        return String.join(" or ", out);
    }

    private List<Nic> readNics(String vm, MapReader m) {
        List<Nic> out = new ArrayList<>();
        List<MappingNode> items = m.mappings("networks", "a list of interfaces (- label: ..., bridge: ..., ip_addr: ...)");
        for (int i = 0; i < items.size(); i++) {
            MappingNode item = items.get(i);
            if (item == null) continue;
            MapReader n = new MapReader(item, m.at("networks") + "[" + i + "]", item, NIC_KEYS, problems);
            Nic nic = readNic(vm, n, item);
            if (nic != null) out.add(nic);
        }
        return out;
    }

    private Nic readNic(String vm, MapReader n, Node item) {
        String label = n.requiredString("label", "the host tap device's name, at most 15 characters");
        if (label != null) label = checkLabel(label, n);
        String bridge = n.requiredString("bridge", "the name of a bridge under bridges:");
        Bridge b = null;
        if (bridge != null && !bridges.declared.contains(bridge)) {
            String known = bridges.declared.isEmpty() ? " (this constellation defines no bridges)"
                    : Names.didYouMean(bridge, bridges.declared) + " (defined: " + String.join(", ", bridges.declared) + ")";
            n.problem(n.node("bridge"), n.at("bridge") + ": no bridge '" + bridge + "'" + known);
            bridge = null;
        } else b = bridges.bridges.get(bridge);
        String ip = n.requiredString("ip_addr", "the VM's static IPv4 address on the bridge");
        if (ip != null) ip = checkIp(ip, b, n);
        String model = n.choice("model", "virtio-net-pci", MODELS);
        String mac = n.string("mac", null);
        if (mac != null) {
            try {
                mac = Mac.parse(mac);
            } catch (IllegalArgumentException e) {
                n.problem(n.node("mac"), n.at("mac") + ": " + e.getMessage());
                mac = null;
            }
        } else if (label != null) {
            mac = Mac.derive(constellation, vm, label);
        }
        nics.add(new PlacedNic(vm, label, ip, mac, n.node("label"), n.node("ip_addr"), n.node("mac"), item));
        if (label == null || bridge == null || ip == null || mac == null) return null;
        return new Nic(label, bridge, ip, model, mac);
    }

    private static String checkLabel(String label, MapReader n) {
        Node at = n.node("label");
        if (label.equals(".") || label.equals("..")) {
            n.problem(at, n.at("label") + ": '" + label + "' cannot be an interface name");
        } else if (!label.matches("[A-Za-z0-9_.-]+")) {
            n.problem(at, n.at("label") + ": '" + label + "' has characters 'ip link' refuses (use letters, digits, '_', '.' and '-')");
        } else if (label.length() > 15) {
            n.problem(at, n.at("label") + ": '" + label + "' is " + label.length() + " characters; interface names allow at most 15");
        } else {
            return label;
        }
        return null;
    }

    private static String checkIp(String ip, Bridge b, MapReader n) {
        Node at = n.node("ip_addr");
        int addr;
        try {
            addr = Ipv4.parse(ip);
        } catch (IllegalArgumentException e) {
            n.problem(at, n.at("ip_addr") + ": " + e.getMessage());
            return null;
        }
        if (b == null) return Ipv4.format(addr);
        Cidr s = b.subnet();
        String where = n.at("ip_addr") + ": " + ip;
        if (!s.contains(addr)) n.problem(at, where + " is outside bridge '" + b.name() + "' subnet " + s);
        else if (addr == s.network()) n.problem(at, where + " is the network address of " + s);
        else if (addr == s.broadcast()) n.problem(at, where + " is the broadcast address of " + s);
        else if (addr == s.gateway()) n.problem(at, where + " is the gateway of bridge '" + b.name() + "' (the host side takes the subnet's first address; use another)");
        else return Ipv4.format(addr);
        return null;
    }
}
