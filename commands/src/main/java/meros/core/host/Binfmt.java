package meros.core.host;

import meros.core.base.IoErrors;
import meros.core.base.HostArch;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Running another architecture's programs on this host (a foreign guest root's maintainer scripts and hooks) through
 * the kernel's {@code binfmt_misc} and QEMU's user-mode emulators from {@code qemu-user-static}. The handler must carry
 * the {@code F} (fix binary) flag, so the emulator is opened at registration time and works inside a chroot and a user
 * namespace (Debian's {@code qemu-user-static} registers it so). See the kernel's
 * Documentation/admin-guide/binfmt-misc.rst.
 */
public final class Binfmt {
    private Binfmt() { }

    /** Where the kernel's binfmt_misc filesystem is mounted (systemd's proc-sys-fs-binfmt_misc.mount). */
    public static final Path MOUNT = Path.of("/proc/sys/fs/binfmt_misc");
    /** The Debian package with the static user-mode emulators and their binfmt registrations. */
    public static final String USER_PACKAGE = "qemu-user-static";
    /** systemd-binfmt's registration files, one {@code :name:type:offset:magic:mask:interpreter:flags} line each. */
    static final Path BINFMT_D = Path.of("/usr/lib/binfmt.d");
    private static final Duration TOOL_DEADLINE = Duration.ofSeconds(30);

    /** The state of one handler: registered (in {@link #MOUNT}), enabled, and with the F flag. */
    public record Handler(boolean registered, boolean enabled, boolean fixBinary, String interpreter) {
        public boolean usable() { return registered && enabled && fixBinary; }
    }

    /** The QEMU user-mode emulator name of a guest architecture ({@code aarch64} → {@code qemu-aarch64}). */
    public static String handlerName(String arch) {
        return "qemu-" + arch.toLowerCase(Locale.ROOT).replace("arm64", "aarch64").replace("amd64", "x86_64");
    }

    /** True when the host runs {@code arch}'s programs natively (x86_64 on x86_64, aarch64 on aarch64). */
    public static boolean isNative(String arch) {
        return handlerName(arch).equals("qemu-" + HostArch.qemuName());
    }

    /** Whether binfmt_misc is mounted: its {@code status} file exists. */
    public static boolean mounted(Path mount) { return Files.exists(mount.resolve("status")); }

    /** Reads one handler's file under the binfmt_misc mount ("enabled", "interpreter ...", "flags: F..."). */
    public static Handler handler(Path mount, String name) {
        Path f = mount.resolve(name);
        if (!Files.isRegularFile(f)) return new Handler(false, false, false, null);
        try {
            return parse(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Handler(false, false, false, null);
        }
    }

    static Handler parse(String text) {
        boolean enabled = false;
        boolean fix = false;
        String interpreter = null;
        for (String l : text.lines().toList()) {
            String s = l.strip();
            if (s.equals("enabled")) enabled = true;
            else if (s.startsWith("interpreter ")) interpreter = s.substring("interpreter ".length()).strip();
            else if (s.startsWith("flags:")) fix = s.substring("flags:".length()).contains("F");
        }
        return new Handler(true, enabled, fix, interpreter);
    }

    /**
     * Makes sure the host can run {@code arch}'s programs: nothing to do for the host's own architecture; otherwise
     * mounts binfmt_misc when it is not mounted (root only) and registers the QEMU handler when it is not
     * ({@code update-binfmts --enable}, else the line from {@code /usr/lib/binfmt.d/}). Each thing done is reported
     * through {@code notice} in one line. Blocks for at most a few {@code mount}/{@code update-binfmts} calls (30 s each).
     *
     * @throws MerosException MISSING_TOOL naming {@code qemu-user-static} when the emulator is not installed, or the
     *         command to run as root when this process may not mount or register; EXTERNAL when registering failed
     */
    public static void ensure(String arch, Consumer<String> notice) {
        if (isNative(arch)) return;
        String name = handlerName(arch);
        Path emulator = Path.of("/usr/bin", name + "-static");
        boolean root = isRoot();
        if (!mounted(MOUNT)) {
            if (!root) {
                throw new MerosException(ExitCode.MISSING_TOOL, "building an " + arch + " root needs binfmt_misc, which is not mounted"
                        + " (as root: mount -t binfmt_misc binfmt_misc " + MOUNT + ")");
            }
            Proc.Result r = Proc.of("mount", "-t", "binfmt_misc", "binfmt_misc", MOUNT.toString()).timeout(TOOL_DEADLINE).call();
            if (!r.ok() || !mounted(MOUNT)) {
                throw new MerosException(ExitCode.EXTERNAL, "could not mount binfmt_misc at " + MOUNT + " (needed to run " + arch
                        + " programs): " + r.tail(2).replace('\n', ' ').strip());
            }
            notice.accept("binfmt_misc was not mounted: mounted it at " + MOUNT + " (to run " + arch + " programs with " + name + ")");
        }
        Handler h = handler(MOUNT, name);
        if (h.usable()) return;
        if (!Files.isExecutable(emulator)) {
            throw new MerosException(ExitCode.MISSING_TOOL, "building an " + arch + " root needs " + emulator
                    + ": install the Debian package '" + USER_PACKAGE + "' (apt-get install " + USER_PACKAGE + " binfmt-support)");
        }
        if (h.registered() && !h.fixBinary()) {
            throw new MerosException(ExitCode.FAILED, "binfmt handler " + name + " is registered without the F (fix binary) flag, so "
                    + h.interpreter() + " cannot run inside a chroot; re-register it with qemu-user-static's "
                    + BINFMT_D.resolve(name + ".conf") + " (as root: echo -1 > " + MOUNT.resolve(name) + "; update-binfmts --enable " + name + ")");
        }
        if (!root) {
            throw new MerosException(ExitCode.MISSING_TOOL, "building an " + arch + " root needs the binfmt handler " + name
                    + ", which is " + (h.registered() ? "disabled" : "not registered") + " (as root: update-binfmts --enable " + name + ")");
        }
        String how = register(name, h);
        Handler after = handler(MOUNT, name);
        if (!after.usable()) {
            throw new MerosException(ExitCode.EXTERNAL, "could not register the binfmt handler " + name + " (" + how + "); "
                    + "as root: update-binfmts --enable " + name);
        }
        notice.accept("binfmt handler " + name + " was " + (h.registered() ? "disabled" : "not registered") + ": " + how);
    }

    private static String register(String name, Handler before) {
        if (before.registered()) {
            write(MOUNT.resolve(name), "1");
            return "enabled it (echo 1 > " + MOUNT.resolve(name) + ")";
        }
        if (Proc.onPath("update-binfmts")) {
            Proc.Result r = Proc.of("update-binfmts", "--enable", name).timeout(TOOL_DEADLINE).call();
            if (r.ok() && handler(MOUNT, name).usable()) return "registered it with update-binfmts --enable " + name;
        }
        Path conf = BINFMT_D.resolve(name + ".conf");
        try {
            String line = Files.readAllLines(conf).stream().filter(l -> l.startsWith(":")).findFirst()
                    .orElseThrow(() -> new IOException("no registration line"));
            write(MOUNT.resolve("register"), line);
            return "registered it from " + conf;
        } catch (IOException e) {
            throw new MerosException(ExitCode.EXTERNAL, "could not register the binfmt handler " + name + " from " + conf + ": " + IoErrors.reason(e, null));
        }
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void write(Path f, String s) {
        try {
            Files.writeString(f, s);
        } catch (IOException e) {
            throw new MerosException(ExitCode.EXTERNAL, "could not write " + f + ": " + IoErrors.reason(e, f));
        }
    }

    /**
     * One line on how the host runs {@code arch}'s programs, for {@code doctor}: native, or the state of binfmt_misc
     * and the QEMU handler (and what {@code meros build} does about it).
     */
    public static String describe(String arch) {
        if (isNative(arch)) return arch + " programs: native";
        String name = handlerName(arch);
        if (!mounted(MOUNT)) return arch + " roots: binfmt_misc is not mounted (meros build mounts it as root)";
        Handler h = handler(MOUNT, name);
        if (h.usable()) return arch + " roots: binfmt handler " + name + " enabled, F flag, " + h.interpreter();
        if (h.registered() && !h.fixBinary()) return arch + " roots: binfmt handler " + name + " lacks the F flag (chroots cannot use it)";
        return arch + " roots: binfmt handler " + name + " " + (h.registered() ? "disabled" : "not registered")
                + " (meros build registers it as root when " + USER_PACKAGE + " is installed)";
    }

    /** The QEMU system emulator of an architecture and its Debian package ({@code aarch64} → qemu-system-arm). */
    public static String systemPackage(String arch) {
        return switch (arch) {
            case "x86_64", "i386" -> "qemu-system-x86";
            case "aarch64", "arm" -> "qemu-system-arm";
            case "riscv64" -> "qemu-system-misc";
            default -> "qemu-system-" + arch;
        };
    }

    /**
     * @throws MerosException MISSING_TOOL naming the Debian package when {@code qemu-system-<arch>} is not on PATH
     */
    public static void requireSystemEmulator(String arch, String vm) { requireSystemEmulator(arch, vm, Proc::onPath); }

    /** {@link #requireSystemEmulator(String, String)} with the PATH lookup given (tests). */
    public static void requireSystemEmulator(String arch, String vm, Predicate<String> onPath) {
        String exe = "qemu-system-" + arch;
        if (!onPath.test(exe)) {
            throw new MerosException(ExitCode.MISSING_TOOL, "vm '" + vm + "' has arch " + arch + ", but " + exe
                    + " is not installed: install the Debian package '" + systemPackage(arch) + "' (apt-get install " + systemPackage(arch) + ")");
        }
    }
}
