package meros.core.host;

import meros.core.proc.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host tools meros uses, each with the Debian package that provides it and what it is needed for.
 * {@code dist-conf.sh} installs the same packages.
 */
public final class HostTools {
    private HostTools() { }

    /** How a tool is detected: an executable on PATH, or a file (a development header). */
    public enum Kind { EXECUTABLE, FILE }

    /**
     * @param name     the executable name or the file path
     * @param pkg      the Debian package providing it
     * @param required true if meros cannot build or boot anything without it
     * @param purpose  what needs it, in a few words
     */
    public record Tool(String name, Kind kind, String pkg, boolean required, String purpose) {
        public boolean present() {
            return kind == Kind.EXECUTABLE ? Proc.onPath(name) : Files.exists(Path.of(name));
        }
    }

    /** A tool with its detection outcome. */
    public record Check(Tool tool, boolean found) { }

    /** The purpose of the tools a kernel build needs ({@code kernel-build} checks exactly these). */
    public static final String KERNEL_BUILD = "kernel build";

    /** Where Debian bookworm's qemu-system-common puts virtiofsd (it is not on PATH). */
    public static final String VIRTIOFSD = "/usr/lib/qemu/virtiofsd";
    /** Where other releases put it: the Rust {@code virtiofsd} package uses /usr/libexec, some distributions PATH. */
    static final List<String> VIRTIOFSD_PLACES = List.of(VIRTIOFSD, "/usr/libexec/virtiofsd");

    /** The virtiofsd executable: the first of {@link #VIRTIOFSD_PLACES} that exists, else one on PATH, else null. */
    public static Path virtiofsd() {
        for (String p : VIRTIOFSD_PLACES) if (Files.isExecutable(Path.of(p))) return Path.of(p);
        return Proc.onPath("virtiofsd") ? Path.of("virtiofsd") : null;
    }

    public static final List<Tool> TOOLS = List.of(
            exe("qemu-system-x86_64", "qemu-system-x86", true, "run VMs"),
            exe("qemu-img", "qemu-utils", true, "disk images"),
            exe("qemu-system-aarch64", "qemu-system-arm", false, "run aarch64 VMs"),
            exe("qemu-aarch64-static", "qemu-user-static", false, "build aarch64 roots (binfmt_misc)"),
            exe("update-binfmts", "binfmt-support", false, "register qemu-user with binfmt_misc"),
            exe("arch-test", "arch-test", false, "build aarch64 roots (mmdebstrap's foreign-architecture check)"),
            exe("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", false, "kernel build for aarch64"),
            exe("mmdebstrap", "mmdebstrap", true, "bootstrap Debian roots"),
            exe("debootstrap", "debootstrap", false, "bootstrap fallback"),
            exe("mke2fs", "e2fsprogs", true, "root filesystems"),
            exe("debugfs", "e2fsprogs", false, "inspect disks"),
            exe("ip", "iproute2", true, "bridges and taps"),
            exe("nft", "nftables", true, "bridge policies"),
            exe("dnsmasq", "dnsmasq-base", false, "DNS for bridged VMs"),
            file(VIRTIOFSD, "qemu-system-common", false, "shared folders over virtiofs (else 9p)"),
            exe("ssh-keygen", "openssh-client", true, "VM keys"),
            exe("newuidmap", "uidmap", false, "builds without root (user namespace)"),
            exe("waypipe", "waypipe", false, "GUI apps (run --gui)"),
            exe("dot", "graphviz", false, "constellation pictures (graph)"),
            exe("make", "build-essential", false, KERNEL_BUILD),
            exe("gcc", "build-essential", false, KERNEL_BUILD),
            exe("flex", "flex", false, KERNEL_BUILD),
            exe("bison", "bison", false, KERNEL_BUILD),
            exe("bc", "bc", false, KERNEL_BUILD),
            file("/usr/include/libelf.h", "libelf-dev", false, KERNEL_BUILD),
            file("/usr/include/openssl/ssl.h", "libssl-dev", false, KERNEL_BUILD),
            exe("cpio", "cpio", false, "initrd handling"),
            exe("xz", "xz-utils", false, KERNEL_BUILD));

    private static Tool exe(String n, String p, boolean r, String why) { return new Tool(n, Kind.EXECUTABLE, p, r, why); }
    private static Tool file(String n, String p, boolean r, String why) { return new Tool(n, Kind.FILE, p, r, why); }

    public static List<Check> check() {
        List<Check> out = new ArrayList<>();
        for (Tool t : TOOLS) out.add(new Check(t, t.present()));
        return out;
    }

    /** The Debian packages of the missing tools, without duplicates, in table order. */
    public static List<String> missingPackages(List<Check> checks) {
        List<String> pkgs = new ArrayList<>();
        for (Check c : checks) if (!c.found() && !pkgs.contains(c.tool().pkg())) pkgs.add(c.tool().pkg());
        return pkgs;
    }
}
