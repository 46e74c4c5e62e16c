package meros.core.image;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.host.Binfmt;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian base roots with {@code mmdebstrap} (straight to a tarball), or {@code debootstrap} when that is all the host has. */
final class DebianBootstrap implements Bootstrapper {
    /**
     * apt's words for a mirror it could not reach at all (name resolution, connection), in its {@code Err:N URL ...}
     * detail lines and in {@code W:}/{@code E: Failed to fetch URL  REASON}; wget's (debootstrap's downloader), and
     * debootstrap's when even the Release file could not be fetched. A mirror that answers with an error (404, a hash mismatch) is not among them.
     */
    private static final Pattern UNREACHABLE_REASON = Pattern.compile(
            "(Temporary failure resolving '[^']*'|Could not resolve '[^']*'|Could not resolve host[^\\n]*"
            + "|Could not connect to [^\\n]*|Unable to connect to [^\\n]*|unable to resolve host address[^\\n]*"
            + "|Failed getting release file [^\\n]*)");
    /** The request apt names first for a failure: {@code Err:1 http://deb.debian.org/debian trixie InRelease}. */
    private static final Pattern APT_ERR = Pattern.compile("^\\s*(?:[WE]: )?(Err:\\d+ \\S+.*|Failed to fetch \\S+)", Pattern.MULTILINE);

    private static final Pattern MISSING_PKG = Pattern.compile("Unable to locate package (\\S+)|Package '?([^' ]+)'? has no installation candidate|Couldn't find package (\\S+)");

    /** Documentation and translations are left out of the base: smaller images, faster builds. */
    static final List<String> DPKG_EXCLUDES = List.of(
            "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
            "path-exclude=/usr/share/info/*", "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
            "path-exclude=/usr/share/lintian/*");

    /** How long a native bootstrap may take. */
    static final Duration NATIVE_DEADLINE = Duration.ofMinutes(60);
    /**
     * How long a foreign-architecture bootstrap may take: every maintainer script runs under qemu-user (an arm64
     * base took over 60 min on 2 cores shared with other builds).
     */
    static final Duration FOREIGN_DEADLINE = Duration.ofHours(6);
    /**
     * What a meros VM's initrd loads to mount its root ({@code root=/dev/vda}, ext4): the virtio transports (built
     * into Debian's amd64 kernel, modules elsewhere), the virtio disk and ext4 with the checksum it needs. Everything
     * else (network, vsock, 9p, virtiofs) loads from the root after the switch, as in any Debian system.
     */
    static final List<String> INITRD_MODULES = List.of("virtio_pci", "virtio_mmio", "virtio_blk", "ext4", "crc32c_generic");
    /** initramfs-tools' module list (read by mkinitramfs besides {@code /etc/initramfs-tools/modules}). */
    static final String INITRD_MODULES_FILE = "usr/share/initramfs-tools/modules.d/meros";
    /** initramfs-tools setting: only the listed modules instead of {@code MODULES=most} (36 MB → about 11 MB). */
    static final String INITRAMFS_CONF = "etc/initramfs-tools/conf.d/meros.conf";

    /**
     * Drivers udev would load at boot for devices a QEMU q35 guest has but a meros VM never uses (wireless stack,
     * parallel port, PC speaker, the chipset's watchdog, SMBus and LPC, the CD drive, VMware's VMCI, AMD's crypto
     * coprocessor): loading them kept udev busy while {@code dev-vda.device} and networkd waited. Only their
     * automatic loading is blocked ({@code modprobe} by name still works).
     */
    static final List<String> BLACKLISTED_MODULES = List.of("cfg80211", "rfkill", "parport_pc", "parport", "ppdev",
            "pcspkr", "floppy", "iTCO_wdt", "iTCO_vendor_support", "intel_pmc_bxt", "lpc_ich", "i2c_i801", "i2c_smbus",
            "sr_mod", "cdrom", "vmw_vsock_vmci_transport", "vmw_vmci", "ccp");
    static final String BLACKLIST_FILE = "etc/modprobe.d/meros-blacklist.conf";

    /**
     * mmdebstrap essential hook (after the essential packages, before the kernel and initramfs-tools are installed,
     * so the kernel's postinst builds the trimmed initrd once). A constant: no input reaches this shell text.
     */
    static final String INITRAMFS_HOOK = "mkdir -p \"$1/etc/initramfs-tools/conf.d\" \"$1/usr/share/initramfs-tools/modules.d\""
            + " && printf 'MODULES=list\\n' > \"$1/" + INITRAMFS_CONF + "\""
            + " && printf '%s\\n' " + String.join(" ", INITRD_MODULES) + " > \"$1/" + INITRD_MODULES_FILE + "\""
            + " && mkdir -p \"$1/etc/modprobe.d\""
            + " && printf 'blacklist %s\\n' " + String.join(" ", BLACKLISTED_MODULES) + " > \"$1/" + BLACKLIST_FILE + "\"";

    private final boolean preferMmdebstrap;

    DebianBootstrap(boolean preferMmdebstrap) { this.preferMmdebstrap = preferMmdebstrap; }

    /**
     * The bootstrapper's temporary directory ({@code TMPDIR}): inside the bootstrap's work directory, which the base
     * cache removes when the bootstrap ends, fails or is interrupted, so nothing mmdebstrap or debootstrap makes
     * there (mmdebstrap's {@code mmdebstrap.gpghome.*}, its chroot directory) outlives the build in {@code /tmp}.
     */
    static Path tmpDir(Path work) { return work.resolve("tmp"); }

    /** mmdebstrap writing {@code tarball} in a mount namespace of its own, with {@code TMPDIR} under {@code work}. */
    static Proc mmdebstrap(BaseSpec spec, Path tarball, Path work) {
        return Proc.of(inPrivateMounts(mmdebstrapArgv(spec, tarball))).env("TMPDIR", tmpDir(work).toString()).timeout(deadline(spec));
    }

    /** debootstrap into {@code dir} in a mount namespace of its own, with {@code TMPDIR} under {@code work}. */
    static Proc debootstrap(BaseSpec spec, Path dir, Path work) {
        return Proc.of(inPrivateMounts(debootstrapArgv(spec, dir))).env("TMPDIR", tmpDir(work).toString()).timeout(deadline(spec));
    }

    static List<String> mmdebstrapArgv(BaseSpec spec, Path tarball) {
        List<String> a = new ArrayList<>(List.of("mmdebstrap", "--verbose", "--variant=apt", "--architectures=" + spec.arch(),
                "--include=" + String.join(",", spec.packages()),
                "--dpkgopt=force-unsafe-io", "--aptopt=Acquire::Retries \"3\"",
                "--essential-hook=" + INITRAMFS_HOOK));
        for (String x : DPKG_EXCLUDES) a.add("--dpkgopt=" + x);
        a.addAll(List.of(spec.codename(), tarball.toString(), spec.mirror()));
        return a;
    }

    static List<String> debootstrapArgv(BaseSpec spec, Path dir) {
        return List.of("debootstrap", "--variant=minbase", "--arch=" + spec.arch(),
                "--include=" + String.join(",", spec.packages()), spec.codename(), dir.toString(), spec.mirror());
    }

    /**
     * {@code argv} run in a mount namespace of its own ({@code unshare --mount --propagation private}, util-linux):
     * the {@code /proc}, {@code /sys}, {@code /dev/pts} and {@code /dev/shm} mounts a bootstrapper makes inside its
     * root live only as long as its processes, so a bootstrap killed at its deadline (or by Ctrl-C) leaves no mount
     * on the host.
     */
    static List<String> inPrivateMounts(List<String> argv) {
        List<String> a = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--"));
        a.addAll(argv);
        return a;
    }

    static Duration deadline(BaseSpec spec) {
        return Binfmt.isNative(spec.arch()) ? NATIVE_DEADLINE : FOREIGN_DEADLINE;
    }

    @Override
    public void bootstrap(BaseSpec spec, Path tarball, Path work, Step step) {
        try {
            Files.createDirectories(tmpDir(work));
        } catch (IOException e) {
            throw Fs.ioError("creating the bootstrap's temporary directory " + tmpDir(work), e);
        }
        Proc.Result r;
        if (preferMmdebstrap && Proc.onPath("mmdebstrap")) {
            r = mmdebstrap(spec, tarball, work).onLine(step.lines()).call();
            check(spec, r);
        } else {
            if (!Proc.onPath("debootstrap")) {
                throw new MerosException(ExitCode.MISSING_TOOL, "neither mmdebstrap nor debootstrap found: install the Debian package 'mmdebstrap' (apt-get install mmdebstrap)");
            }
            Path dir = work.resolve("debootstrap-root");
            r = debootstrap(spec, dir, work).onLine(step.lines()).call();
            check(spec, r);
            trimInitrd(dir, step);
            step.update("packing base tarball");
            Proc.of("apt-get", "-o", "Dir=" + dir, "clean").timeout(Duration.ofMinutes(1)).call();
            Proc.of("tar", "-C", dir.toString(), "--numeric-owner", "--xattrs", "-cpf", tarball.toString(), ".")
                .timeout(Duration.ofMinutes(20)).run();
            Fs.deleteTree(dir);
        }
    }

    /** debootstrap has no hooks: the same initramfs settings afterwards, and the initrd built again with them. */
    private static void trimInitrd(Path dir, Step step) {
        if (!Files.isDirectory(dir.resolve("etc/initramfs-tools"))) return; // no initramfs-tools: a VM with its own kernel
        step.update("trimming the initrd to the modules a meros VM uses");
        try {
            Files.createDirectories(dir.resolve(INITRAMFS_CONF).getParent());
            Files.writeString(dir.resolve(INITRAMFS_CONF), "MODULES=list\n");
            Files.createDirectories(dir.resolve(INITRD_MODULES_FILE).getParent());
            Files.writeString(dir.resolve(INITRD_MODULES_FILE), String.join("\n", INITRD_MODULES) + "\n");
            Files.createDirectories(dir.resolve(BLACKLIST_FILE).getParent());
            Files.writeString(dir.resolve(BLACKLIST_FILE), blacklist());
        } catch (IOException e) {
            throw new MerosException(ExitCode.FAILED, "cannot write the initramfs settings into " + dir + ": " + IoErrors.reason(e, null));
        }
        Proc.of("chroot", dir.toString(), "update-initramfs", "-u", "-k", "all").timeout(Duration.ofMinutes(10)).run();
    }

    static String blacklist() {
        StringBuilder b = new StringBuilder();
        for (String m : BLACKLISTED_MODULES) b.append("blacklist ").append(m).append('\n');
        return b.toString();
    }

    /**
     * When a bootstrapper's output shows that apt (or debootstrap) could not reach {@code mirror} at all, the error
     * saying so in one line: {@code mirror URL unreachable: REASON (apt: Err:1 URL trixie InRelease)}; otherwise null.
     */
    static MirrorUnreachable unreachable(String mirror, String output) {
        Matcher reason = UNREACHABLE_REASON.matcher(output);
        if (!reason.find()) return null;
        Matcher apt = APT_ERR.matcher(output);
        String request = apt.find() ? oneLine(apt.group(1)) : "";
        return new MirrorUnreachable("mirror " + mirror + " unreachable: " + oneLine(reason.group(1))
                + (request.isEmpty() ? "" : " (apt: " + request + ")"));
    }

    /** A line of tool output with its runs of blanks as one space, at most {@link #SHOWN_CHARS} characters. */
    private static String oneLine(String s) {
        String t = s.strip().replaceAll("\\s+", " ");
        return t.length() > SHOWN_CHARS ? t.substring(0, SHOWN_CHARS) + "…" : t;
    }

    /** How much of a line of tool output an error message quotes. */
    private static final int SHOWN_CHARS = 160;

    /**
     * Nothing when {@code r} succeeded; otherwise the bootstrap's error, from its output.
     *
     * @throws MirrorUnreachable when the mirror could not be reached at all; MerosException USAGE for a package the
     *                           mirror does not have, FAILED when the disk is full, EXTERNAL otherwise
     */
    static void check(BaseSpec spec, Proc.Result r) {
        if (r.ok()) return;
        String all = r.stdout() + "\n" + r.stderr();
        // an unreachable mirror also leaves packages unfound: it is named first
        MirrorUnreachable offline = unreachable(spec.mirror(), all);
        if (offline != null) throw offline;
        Matcher m = MISSING_PKG.matcher(all);
        if (m.find()) {
            String pkg = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            throw MerosException.usage("package '" + pkg + "' not found in debian " + spec.codename() + " " + spec.arch() + " on " + spec.mirror());
        }
        if (Fs.isNoSpace(new RuntimeException(all))) {
            throw new MerosException(ExitCode.FAILED, "no space left on device while bootstrapping " + spec.describe());
        }
        String tail = Proc.tail(all, 3).replace('\n', ' ').strip();
        throw new MerosException(ExitCode.EXTERNAL, r.argv().get(0) + " failed for " + spec.describe() + " (exit status " + r.exit() + ")" + (tail.isEmpty() ? "" : ": " + tail));
    }
}
