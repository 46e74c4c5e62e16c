package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.LockFile;
import meros.core.base.MerosException;
import meros.core.base.TextFiles;
import meros.core.host.Privileges;
import meros.core.host.Binfmt;
import meros.core.manifest.Manifest;
import meros.core.manifest.Size;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import meros.core.qemu.RdInit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds VM disks: {@code data/disks/<c>/<vm>.qcow2} (one ext4 filesystem on the whole disk) plus the
 * distribution kernel and initrd next to it, from a cached base root, the guest configuration, includes,
 * hooks and keys. Every output appears atomically (temp name + rename): a failed build leaves the previous
 * image as it was.
 */
public final class ImageBuilder {

    /** What a build produced for one VM. {@code kernel}/{@code initrd} are null when the VM names its own kernel. */
    public record BuiltImage(String vm, Path disk, Path kernel, Path initrd, Path hostKeyPub, Path clientKey,
                             String baseKey, boolean baseCacheHit, double seconds) { }

    private final Home home;
    private final Path etcApt;
    private final Hooks hooks;
    private Hooks.Launcher inRoot = Hooks.CHROOT;
    private Hooks.Launcher apk = AlpineBootstrap.CHROOT_APK;
    private boolean preferMmdebstrap = true;

    public ImageBuilder(Home home) { this(home, Path.of("/etc/apt"), new Hooks()); }

    public ImageBuilder(Home home, Path etcApt, Hooks hooks) {
        this.home = home;
        this.etcApt = etcApt;
        this.hooks = hooks;
    }

    /** Use {@code debootstrap} even when mmdebstrap is installed (the fallback path; the benchmark). */
    public ImageBuilder preferMmdebstrap(boolean b) { this.preferMmdebstrap = b; return this; }

    /** How apk runs inside an Alpine root (tests substitute a stand-in when the root has no apk). */
    public ImageBuilder apkLauncher(Hooks.Launcher l) { this.apk = l; return this; }

    public Home home() { return home; }
    public BaseCache cache() { return new BaseCache(home); }

    public Path disk(String c, String vm) { return home.disks().resolve(c).resolve(vm + ".qcow2"); }
    public Path kernel(String c, String vm) { return home.disks().resolve(c).resolve(vm + ".vmlinuz"); }
    public Path initrd(String c, String vm) { return home.disks().resolve(c).resolve(vm + ".initrd"); }

    /** {@code data/disks/<c>/<vm>.build.json}: the {@link BuildKey} the disk was built with, written after the disk. */
    public Path buildRecord(String c, String vm) { return home.disks().resolve(c).resolve(vm + ".build.json"); }

    /**
     * Whether a VM's disk is there and made from what the manifest now says.
     *
     * @param exists    the disk exists (and its kernel and initrd, unless the VM names its own kernel)
     * @param outOfDate null when the disk is up to date, else why not, for one line: {@code not built},
     *                  {@code packages, includes changed}
     * @param notice    a line to show even though the disk counts as up to date (the check could not be made, a disk
     *                  without a build record, or a {@code build --use} disk whose inputs changed), else null
     */
    public record Status(boolean exists, String outOfDate, String notice) {
        public boolean upToDate() { return outOfDate == null; }
    }

    /** True when the VM's disk exists and its build record matches the manifest ({@link #status}). */
    public boolean isBuilt(Manifest m, String vm) { return status(m, vm).upToDate(); }

    /**
     * Compares the VM's disk with its manifest: the key recorded at build time ({@link BuildKey}) against the key of
     * the manifest, include files and hooks as they are now. Reads only local files: the release alias ({@code stable})
     * keeps the codename the build resolved it to while the VM's distribution, release, arch and mirror stay the same
     * (a {@code build} asks the mirror again). When the key cannot be computed without the mirror (the release changed and
     * the mirror cannot be reached), the disk counts as up to date and {@link Status#notice} says so. A disk made by
     * {@code build --use} is never out of date here: a change of its includes, hooks or configuration is a notice
     * (rebuilding it takes the source image, which only {@code build --use} names). A disk without a build record (copied
     * in, or left by a build cut off before it wrote the record) is not out of date either, with a notice: meros
     * replaces only disks it recorded building; an explicit {@code build} rebuilds it.
     */
    public Status status(Manifest m, String vmName) {
        Vm vm = m.vm(vmName);
        String c = m.name();
        boolean exists = Files.isRegularFile(disk(c, vmName))
                && (vm.kernel() != null || (Files.isRegularFile(kernel(c, vmName)) && Files.isRegularFile(initrd(c, vmName))));
        if (!exists) return new Status(false, "not built", null);
        BuildKey.Recorded rec = BuildKey.Recorded.read(buildRecord(c, vmName));
        if (rec == null) {
            return new Status(true, null, "no build record (" + buildRecord(c, vmName).getFileName() + "): booting the disk as it is ('meros build "
                    + c + " " + vmName + "' rebuilds it)");
        }
        String clientPub = clientPub(c, vmName);
        if (rec.image() != null) {
            BuildKey now = BuildKey.of(m, vm, null, Path.of(rec.image()), clientPub);
            if (now.key().equals(rec.key())) return new Status(true, null, null);
            return new Status(true, null, "built from " + rec.image() + " with build --use; " + BuildKey.describe(now.changedSince(rec.parts()))
                    + " since (run 'meros build --use " + rec.image() + " " + c + " " + vmName + "' to apply)");
        }
        BaseSpec spec;
        try {
            String mirror = mirror(vm);
            spec = baseSpec(vm, BuildKey.asked(vm, mirror).equals(rec.asked()) ? rec.codename() : null);
        } catch (MerosException e) {
            return new Status(true, null, "could not check the image against the manifest (" + e.getMessage() + "); using the disk as built");
        }
        BuildKey now = BuildKey.of(m, vm, spec, null, clientPub);
        if (now.key().equals(rec.key())) return new Status(true, null, null);
        return new Status(true, BuildKey.describe(now.changedSince(rec.parts())), null);
    }

    /** The VM's client public key line, or "" when there is none yet (a build creates it). */
    private String clientPub(String c, String vm) {
        Path pub = new Keys(home, c, vm).clientPub();
        try {
            return Files.isRegularFile(pub) ? TextFiles.read(pub).strip() : ""; // as Keys.ensureClientKey reads it
        } catch (IOException e) {
            return "";
        }
    }

    /** The mirror a VM's packages come from: the manifest's, else the host's apt sources. */
    public String mirror(Vm vm) {
        if (vm.mirror() != null && !vm.mirror().isBlank()) return vm.mirror().replaceAll("/+$", "");
        if ("alpine".equals(vm.distribution())) {
            throw MerosException.usage("VM '" + vm.name() + "' is alpine but names no 'mirror:' (the host's apt sources only list Debian mirrors)");
        }
        return Mirrors.detectDebian(etcApt);
    }

    /** Resolves release aliases against the mirror and returns what determines the VM's base root. */
    public BaseSpec baseSpec(Vm vm) { return baseSpec(vm, null); }

    /** {@link #baseSpec(Vm)} with the release already resolved to {@code codename}; null resolves it against the mirror. */
    BaseSpec baseSpec(Vm vm, String codename) {
        String mirror = mirror(vm);
        String dist = vm.distribution() == null ? "debian" : vm.distribution();
        switch (dist) {
            case "debian" -> {
                if (codename == null) codename = debianCodename(mirror, vm.release());
                return new BaseSpec("debian", codename, Recipe.debianArch(vm.arch()), Recipe.debianPackages(vm, codename), mirror);
            }
            case "alpine" -> {
                String arch = Recipe.alpineArch(vm.arch());
                String version = codename != null ? codename : Releases.alpine(mirror, vm.release(), arch).version();
                return new BaseSpec("alpine", version, arch, Recipe.alpinePackages(vm), mirror);
            }
            default -> throw MerosException.usage("VM '" + vm.name() + "': distribution '" + dist + "' is not supported (debian, alpine)");
        }
    }

    /**
     * {@code stable} → {@code trixie} through the mirror's Release file. The answer is remembered under
     * {@code data/cache/releases/}, so a rebuild on a cached base also works where the mirror cannot be reached
     * (e.g. inside a test's network namespace); without a remembered answer an unreachable mirror is an error.
     */
    String debianCodename(String mirror, String release) {
        String rel = release == null || release.isBlank() ? "stable" : release;
        Path memo = home.cache().resolve("releases").resolve(new BaseSpec("debian", rel, "-", List.of(), mirror).key());
        try {
            String codename = Releases.debianCodename(mirror, rel);
            try {
                Files.createDirectories(memo.getParent());
                Path tmp = Files.createTempFile(memo.getParent(), ".release", ".tmp");
                Files.writeString(tmp, codename + "\n");
                Files.move(tmp, memo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // only a memo
            }
            return codename;
        } catch (MerosException e) {
            if (e.exitCode() == ExitCode.EXTERNAL && Files.isRegularFile(memo)) {
                try {
                    String remembered = Files.readString(memo).strip();
                    if (!remembered.isEmpty()) return remembered;
                } catch (IOException ignored) {
                    // fall through to the original error
                }
            }
            throw e;
        }
    }

    private Bootstrapper bootstrapper(Vm vm, BaseSpec spec) {
        if (spec.distribution().equals("alpine")) {
            return new AlpineBootstrap(Releases.alpine(spec.mirror(), vm.release(), spec.arch()), apk);
        }
        return new DebianBootstrap(preferMmdebstrap);
    }

    /**
     * Builds the named VMs (all when {@code vms} is empty), one after the other. Without root the build runs in a user
     * namespace where this user is root ({@link UserNamespaceBuild}).
     */
    public List<BuiltImage> build(Manifest m, List<String> vms, Progress progress) {
        List<String> names = vms == null || vms.isEmpty() ? m.vmNames() : vms;
        for (String n : names) m.vm(n); // every name valid before anything starts
        for (String n : names) { // hooks and includes the guest could not use, before anything starts
            Hooks.check(Hooks.plan(m, n));
            Includes.refuseProblems(m, n);
        }
        if (!UserNamespaceBuild.inChild()) {
            for (String n : names) for (String skipped : Hooks.skippedScripts(m, n)) progress.note(skipped);
        }
        for (String n : names) foreignArch(m.vm(n), progress);
        if (!Privileges.isRoot() && !UserNamespaceBuild.inChild()) return UserNamespaceBuild.run(home, m, names, progress);
        preflight();
        List<BuiltImage> out = new ArrayList<>();
        Map<String, BaseSpec> specs = new LinkedHashMap<>();
        for (String n : names) {
            Vm vm = m.vm(n);
            specs.put(n, baseSpec(vm));
        }
        return locked(m.name(), () -> {
            for (String n : names) out.add(buildOne(m, m.vm(n), specs.get(n), null, progress));
            return out;
        });
    }

    /**
     * A VM of another architecture than the host's: its root's programs (maintainer scripts, useradd, hooks) run under
     * QEMU user-mode emulation through binfmt_misc, which {@link Binfmt#ensure} sets up (saying what it did). Alpine
     * roots are built for the host's architecture only.
     */
    private void foreignArch(Vm vm, Progress progress) {
        if (Binfmt.isNative(vm.arch())) return;
        if ("alpine".equals(vm.distribution())) Recipe.requireHostArch(vm.arch());
        if (preferMmdebstrap && Proc.onPath("mmdebstrap")) BuildTools.require("arch-test"); // mmdebstrap refuses without it
        Binfmt.ensure(vm.arch(), progress::note);
    }

    /** One build of a constellation at a time (the work directories and temp names are per VM, not per process). */
    <T> T locked(String c, Supplier<T> body) {
        Path lockFile = home.build().resolve(c).resolve(".lock");
        try (LockFile lock = LockFile.acquire(lockFile, pid -> "another meros build of '" + c + "' is running (pid " + pid + ")", false, false)) {
            return body.get();
        }
    }

    /**
     * {@code build --use}: copies an existing image and applies the guest configuration, includes, hooks and keys
     * to the copy. With libguestfs' {@code virt-customize} installed that works for any image it can inspect;
     * without it, only for one ext4 filesystem on the whole disk (unpacked with debugfs, rebuilt with mke2fs).
     */
    public BuiltImage buildFrom(Manifest m, String vmName, Path image, Progress progress) {
        Vm vm = m.vm(vmName);
        if (!Files.isRegularFile(image)) throw MerosException.usage("no image file " + image);
        Hooks.check(Hooks.plan(m, vmName));
        Includes.refuseProblems(m, vmName);
        for (String skipped : Hooks.skippedScripts(m, vmName)) progress.note(skipped);
        preflight();
        if (useVirtCustomize && Proc.onPath("virt-customize")) return locked(m.name(), () -> buildWithGuestfs(m, vm, image.toAbsolutePath(), progress));
        BuildTools.require("debugfs");
        return locked(m.name(), () -> buildOne(m, vm, null, image.toAbsolutePath(), progress));
    }

    private boolean useVirtCustomize = true;

    /** false: use the e2fsprogs path for {@code --use} even when virt-customize is installed. */
    public ImageBuilder useVirtCustomize(boolean b) { this.useVirtCustomize = b; return this; }

    private BuiltImage buildWithGuestfs(Manifest m, Vm vm, Path image, Progress progress) {
        long t0 = System.nanoTime();
        String c = m.name();
        Path outDir = home.disks().resolve(c);
        Path work = workDir(c, vm);
        Keys keys = new Keys(home, c, vm.name());
        List<Path> temps = new ArrayList<>();
        try {
            InFlight.track(work);
            Fs.deleteTree(work);
            Files.createDirectories(work);
            Files.createDirectories(outDir);
            GuestConfig cfg = new GuestConfig(m, vm);
            String clientPub = keys.ensureClientKey("meros@" + c + "/" + vm.name());
            BuildKey.Recorded rec = record(m, vm, null, image, clientPub);
            Path hostKeyDir = work.resolve("hostkey");
            Keys.generateHostKey(hostKeyDir, "root@" + cfg.hostname());
            Path diskTmp = outDir.resolve("." + vm.name() + ".qcow2.tmp");
            track(temps, diskTmp);
            try (Step s = new Step(progress, vm.name() + ": copy " + image.getFileName())) {
                Proc.of("qemu-img", "convert", "-O", "qcow2", image.toString(), diskTmp.toString()).timeout(Duration.ofMinutes(30)).run();
                s.ok("done");
            }
            UseImage use = new UseImage(m, vm);
            try (Step s = new Step(progress, vm.name() + ": virt-customize")) {
                use.customize(diskTmp, work, cfg, clientPub, hostKeyDir, s);
                s.ok(Hooks.plan(m, vm.name()).size() + " hooks");
            }
            Path kernelTmp = null;
            Path initrdTmp = null;
            if (vm.kernel() == null) {
                try (Step s = new Step(progress, vm.name() + ": kernel")) {
                    Path[] ki = UseImage.kernel(diskTmp, work, vm, s);
                    kernelTmp = outDir.resolve("." + vm.name() + ".vmlinuz.tmp");
                    initrdTmp = outDir.resolve("." + vm.name() + ".initrd.tmp");
                    track(temps, kernelTmp);
                    track(temps, initrdTmp);
                    Files.copy(ki[0], kernelTmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.copy(ki[1], initrdTmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(kernelTmp, Fs.perms("rw-r--r--"));
                    Files.setPosixFilePermissions(initrdTmp, Fs.perms("rw-r--r--"));
                    RdInit.prepend(initrdTmp);
                    s.ok(ki[0].getFileName().toString());
                }
            }
            commit(c, vm, keys, hostKeyDir, temps, kernelTmp, initrdTmp, diskTmp, rec);
            double secs = (System.nanoTime() - t0) / 1e9;
            progress.note(String.format(Locale.ROOT, "built %s in %.1f s (from %s)", disk(c, vm.name()), secs, image.getFileName()));
            return new BuiltImage(vm.name(), disk(c, vm.name()), vm.kernel() == null ? kernel(c, vm.name()) : null,
                    vm.kernel() == null ? initrd(c, vm.name()) : null, keys.hostPub(), keys.clientKey(), null, false, secs);
        } catch (IOException e) {
            throw Fs.ioError("building " + c + "/" + vm.name() + " from " + image, e);
        } finally {
            for (Path t : temps) InFlight.release(t);
            InFlight.release(work);
            deleteIfEmpty(work.getParent());
            removeIfEmpty(outDir); // a build that failed before writing leaves no empty data/disks/<c>/
        }
    }

    private static void track(List<Path> temps, Path p) {
        temps.add(p);
        InFlight.track(p);
    }

    /**
     * Where a VM's root is composed: {@code data/build/<c>/<vm>.tmp}, or — when {@code /dev/shm} is a tmpfs with room
     * for the tree and the raw disk — the same layout under {@code /dev/shm/meros-build/<checkout hash>-<c>/}, so the unpacked base, the
     * root and the sparse raw disk never hit the disk (the warm rebuild's main cost). {@code MEROS_BUILD_TMP=data}
     * forces the data directory; any other value names the directory to use.
     */
    Path workDir(String c, Vm vm) {
        String forced = System.getenv("MEROS_BUILD_TMP");
        if (forced != null && !forced.isBlank() && !forced.equals("data")) return Path.of(forced).resolve(c).resolve(vm.name() + ".tmp");
        Path dataWork = home.build().resolve(c).resolve(vm.name() + ".tmp");
        if ("data".equals(forced)) return dataWork;
        Path shm = Path.of("/dev/shm");
        try {
            if (Files.isDirectory(shm) && Files.isWritable(shm) && "tmpfs".equals(Files.getFileStore(shm).type()) && !noexec(shm)) {
                long need = Math.max(4L << 30, 2 * (vm.diskSizeBytes() > 0 ? vm.diskSizeBytes() : 2L << 30));
                if (Files.getFileStore(shm).getUsableSpace() > need) {
                    // one directory per checkout: two checkouts building the same constellation must not share it
                    String checkout = Integer.toHexString(home.root().toString().hashCode());
                    Path parent = shm.resolve("meros-build");
                    // another user's (e.g. root's) parent cannot be written: a parent of this data directory's own
                    if (Files.exists(parent) && !Files.isWritable(parent)) {
                        parent = shm.resolve("meros-build-" + Integer.toHexString(home.data().toString().hashCode()));
                    }
                    return parent.resolve(checkout + "-" + c).resolve(vm.name() + ".tmp");
                }
            }
        } catch (IOException e) {
            // fall back to the data directory
        }
        return dataWork;
    }

    private static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty: it holds built disks
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
            if (dir.getParent() != null && dir.getParent().getFileName().toString().startsWith("meros-build")) Files.deleteIfExists(dir.getParent());
        } catch (IOException ignored) {
            // not empty, or another build is using it
        }
    }

    /** Hooks and in-root programs must be executable there. */
    private static boolean noexec(Path mountPoint) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = l.split(" ");
            if (f.length > 3 && f[1].equals(mountPoint.toString()) && List.of(f[3].split(",")).contains("noexec")) return true;
        }
        return false;
    }

    /** The build record of a VM about to be built from {@code spec} (a recipe build) or {@code image} ({@code build --use}). */
    static BuildKey.Recorded record(Manifest m, Vm vm, BaseSpec spec, Path image, String clientPub) {
        BuildKey k = BuildKey.of(m, vm, spec, image, clientPub);
        return new BuildKey.Recorded(BuildKey.FORMAT, k.key(), spec == null ? null : BuildKey.asked(vm, spec.mirror()),
                spec == null ? null : spec.codename(), image == null ? null : image.toString(), k.parts());
    }

    /**
     * Renames every temp output into place; the disk last, so a complete disk always has its kernel, initrd and host key.
     * The old build record goes first and the new one is written after the disk: a disk without a matching record counts
     * as out of date, never the other way round.
     */
    private void commit(String c, Vm vm, Keys keys, Path hostKeyDir, List<Path> temps, Path kernelTmp, Path initrdTmp, Path diskTmp,
                        BuildKey.Recorded rec) throws IOException {
        Files.deleteIfExists(buildRecord(c, vm.name()));
        Path hostPubTmp = keys.dir().resolve(".ssh_host_ed25519_key.pub.tmp");
        track(temps, hostPubTmp);
        Files.createDirectories(keys.dir());
        Files.copy(hostKeyDir.resolve("ssh_host_ed25519_key.pub"), hostPubTmp, StandardCopyOption.REPLACE_EXISTING);
        if (kernelTmp != null) {
            Files.move(kernelTmp, kernel(c, vm.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(initrdTmp, initrd(c, vm.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(hostPubTmp, keys.hostPub(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(diskTmp, disk(c, vm.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        rec.write(buildRecord(c, vm.name()));
    }

    private void preflight() {
        if (!Privileges.isRoot()) {
            throw MerosException.usage("meros build must run as root (hooks run in a chroot; the image keeps file ownership)");
        }
        for (String t : List.of("mke2fs", "qemu-img", "ssh-keygen", "tar", "chroot", "unshare")) BuildTools.require(t);
    }

    private BuiltImage buildOne(Manifest m, Vm vm, BaseSpec spec, Path useImage, Progress progress) {
        long t0 = System.nanoTime();
        String c = m.name();
        Path outDir = home.disks().resolve(c);
        Path work = workDir(c, vm);
        Path root = work.resolve("root");
        Keys keys = new Keys(home, c, vm.name());
        List<Path> temps = new ArrayList<>();
        boolean[] hit = {false};
        try {
            InFlight.track(work);
            Fs.deleteTree(work);
            Files.createDirectories(root);
            Files.createDirectories(outDir);
            GuestConfig cfg = new GuestConfig(m, vm);

            if (useImage == null) {
                Path tar = cache().obtain(spec, bootstrapper(vm, spec), progress, hit);
                try (Step s = new Step(progress, vm.name() + ": unpack base")) {
                    List<String> untar = new ArrayList<>(List.of("tar", "-C", root.toString(), "--numeric-owner", "--xattrs", "--xattrs-include=*"));
                    // a user namespace may not mknod: leave the base's device nodes out (the guest's /dev is a devtmpfs
                    // the kernel or the initrd mounts at boot, so the disk needs none)
                    if (UserNamespaceBuild.inChild()) untar.addAll(List.of("--exclude=./dev/*"));
                    untar.addAll(List.of("-xpf", tar.toString()));
                    Proc.of(untar).timeout(Duration.ofMinutes(20)).run();
                    s.ok("done");
                }
            } else {
                try (Step s = new Step(progress, vm.name() + ": unpack " + useImage.getFileName())) {
                    unpackImage(useImage, work, root, s);
                    s.ok("done");
                }
            }

            String clientPub = keys.ensureClientKey("meros@" + c + "/" + vm.name());
            BuildKey.Recorded rec = record(m, vm, spec, useImage, clientPub);
            Path hostKeyDir = work.resolve("hostkey");
            Keys.generateHostKey(hostKeyDir, "root@" + cfg.hostname());

            try (Step s = new Step(progress, vm.name() + ": compose root")) {
                Composer composer = new Composer(m, vm, root, hooks, inRoot);
                composer.configure(cfg, clientPub, hostKeyDir, s);
                int n = composer.includes(s);
                composer.hooks(c, spec == null ? null : spec.mirror(), s);
                composer.reassert(cfg, clientPub, hostKeyDir, s);
                s.ok(n + " include entries, " + Hooks.plan(m, vm.name()).size() + " hooks");
            }

            Path kernelTmp = null;
            Path initrdTmp = null;
            if (vm.kernel() == null) {
                Path[] ki = findKernel(root, vm);
                kernelTmp = outDir.resolve("." + vm.name() + ".vmlinuz.tmp");
                initrdTmp = outDir.resolve("." + vm.name() + ".initrd.tmp");
                track(temps, kernelTmp);
                track(temps, initrdTmp);
                Files.copy(ki[0], kernelTmp, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(ki[1], initrdTmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(kernelTmp, Fs.perms("rw-r--r--"));
                Files.setPosixFilePermissions(initrdTmp, Fs.perms("rw-r--r--"));
                // Alpine's initramfs has busybox's switch_root, not klibc's run-init: meros-init would only hand over
                if (!"alpine".equals(vm.distribution())) {
                    String version = ki[0].getFileName().toString().substring("vmlinuz-".length());
                    RdInit.prepend(initrdTmp, RdInit.moduleFiles(root, version, "virtio_net"));
                }
            }

            Path diskTmp = outDir.resolve("." + vm.name() + ".qcow2.tmp");
            track(temps, diskTmp);
            long size = diskSize(vm, useImage);
            try (Step s = new Step(progress, vm.name() + ": disk")) {
                makeDisk(root, work.resolve("disk.raw"), diskTmp, size, s);
                s.ok(Size.format(size) + " qcow2");
            }

            commit(c, vm, keys, hostKeyDir, temps, kernelTmp, initrdTmp, diskTmp, rec);
            double secs = (System.nanoTime() - t0) / 1e9;
            progress.note(String.format(Locale.ROOT, "built %s in %.1f s (base %s)", disk(c, vm.name()), secs,
                    useImage != null ? "from " + useImage.getFileName() : hit[0] ? "cache hit" : "bootstrapped"));
            return new BuiltImage(vm.name(), disk(c, vm.name()), vm.kernel() == null ? kernel(c, vm.name()) : null,
                    vm.kernel() == null ? initrd(c, vm.name()) : null, keys.hostPub(), keys.clientKey(),
                    spec == null ? null : spec.key(), hit[0], secs);
        } catch (IOException e) {
            throw Fs.ioError("building " + c + "/" + vm.name(), e);
        } catch (UncheckedIOException e) {
            throw Fs.ioError("building " + c + "/" + vm.name(), e.getCause());
        } finally {
            for (Path t : temps) InFlight.release(t);
            InFlight.release(work);
            deleteIfEmpty(work.getParent());
            removeIfEmpty(outDir); // a build that failed before writing leaves no empty data/disks/<c>/
        }
    }

    private long diskSize(Vm vm, Path useImage) throws IOException {
        long size = vm.diskSizeBytes() > 0 ? vm.diskSizeBytes() : 2L << 30;
        if (useImage != null) {
            String info = Proc.of("qemu-img", "info", "--output=json", useImage.toString()).timeout(Duration.ofMinutes(1)).output();
            Matcher mm = Pattern.compile("\"virtual-size\"\\s*:\\s*(\\d+)").matcher(info);
            if (mm.find()) size = Math.max(size, Long.parseLong(mm.group(1)));
        }
        return size;
    }

    /** {@code mke2fs -d} straight from the root directory (no loop device, no mount), then qcow2. */
    static void makeDisk(Path root, Path raw, Path qcow2, long size, Step s) throws IOException {
        long need = Fs.treeSize(root);
        // ext4 metadata (inode tables, journal) takes a few percent on top of the files
        if (need + need / 10 + (64L << 20) > size) {
            throw MerosException.usage(String.format(Locale.ROOT,
                    "disk_size %s is too small for the root (%d MiB of files); raise disk_size in the manifest",
                    Size.format(size), need >> 20));
        }
        long free = Files.getFileStore(raw.getParent()).getUsableSpace();
        if (free < need + (need / 5)) {
            throw new MerosException(ExitCode.FAILED, "no space left on device: " + raw.getParent() + " has " + (free >> 20)
                    + " MiB free, the image needs about " + ((need + need / 5) >> 20) + " MiB");
        }
        s.update("mke2fs -t ext4 -d (" + (need >> 20) + " MiB of files)");
        Files.deleteIfExists(raw);
        Proc.Result r = Proc.of("mke2fs", "-q", "-t", "ext4", "-L", "meros-root", "-E", "lazy_itable_init=1,lazy_journal_init=1",
                "-d", root.toString(), "-F", raw.toString(), (size / 1024) + "k").timeout(Duration.ofMinutes(30)).call();
        if (!r.ok()) {
            String all = r.stdout() + r.stderr();
            if (all.contains("No space left") || all.contains("Could not allocate block")) {
                throw new MerosException(Fs.isNoSpace(new IOException(all)) && !all.contains("Could not allocate") ? ExitCode.FAILED : ExitCode.USAGE,
                        all.contains("Could not allocate block") ? "disk_size " + Size.format(size) + " is too small for the root; raise disk_size"
                                : "no space left on device while writing " + raw);
            }
            throw new MerosException(ExitCode.EXTERNAL, "mke2fs failed (exit status " + r.exit() + "): " + r.tail(3).replace('\n', ' ').strip());
        }
        s.update("qemu-img convert -O qcow2");
        Proc.Result q = Proc.of("qemu-img", "convert", "-p", "-O", "qcow2", raw.toString(), qcow2.toString())
                .onLine(line -> {
                    int pct = Step.qemuImgPercent(line);
                    if (pct >= 0) s.advance(pct, 100, "%");
                })
                .timeout(Duration.ofMinutes(30)).call();
        Files.deleteIfExists(raw);
        if (!q.ok()) {
            if ((q.stderr()).contains("No space left")) throw new MerosException(ExitCode.FAILED, "no space left on device while writing " + qcow2);
            throw new MerosException(ExitCode.EXTERNAL, "qemu-img convert failed (exit status " + q.exit() + "): " + q.tail(3).replace('\n', ' ').strip());
        }
    }

    /** The newest {@code /boot/vmlinuz-*} and its initrd ({@code initrd.img-*} on Debian, {@code initramfs-*} on Alpine). */
    static Path[] findKernel(Path root, Vm vm) throws IOException {
        Path boot = root.resolve("boot");
        List<Path> kernels;
        if (!Files.isDirectory(boot)) kernels = List.of();
        else try (Stream<Path> s = Files.list(boot)) {
            kernels = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isRegularFile(p))
                       .sorted(Comparator.comparing(p -> versionKey(p.getFileName().toString().substring(8))))
                       .toList();
        }
        for (int i = kernels.size() - 1; i >= 0; i--) {
            String ver = kernels.get(i).getFileName().toString().substring(8);
            for (String cand : List.of("initrd.img-" + ver, "initramfs-" + ver)) {
                Path initrd = boot.resolve(cand);
                if (Files.isRegularFile(initrd)) return new Path[] {kernels.get(i), initrd};
            }
        }
        throw MerosException.failed("VM '" + vm.name() + "': no kernel with initrd in /boot of the built root"
                + " (install the distribution kernel, or name one with 'kernel:' in the manifest)");
    }

    /** Sorts "6.1.0-10-amd64" after "6.1.0-9-amd64": numbers compare as numbers. */
    static String versionKey(String v) {
        StringBuilder sb = new StringBuilder();
        Matcher mm = Pattern.compile("\\d+|\\D+").matcher(v);
        while (mm.find()) {
            String t = mm.group();
            sb.append(Character.isDigit(t.charAt(0)) ? String.format("%012d", Long.parseLong(t.length() > 12 ? t.substring(0, 12) : t)) : t);
        }
        return sb.toString();
    }

    /** {@code --use}: the image must be one ext4 filesystem on the whole disk; its tree is dumped with debugfs. */
    private static void unpackImage(Path image, Path work, Path root, Step s) throws IOException {
        Path raw = work.resolve("use.raw");
        s.update("qemu-img convert -O raw");
        Proc.of("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString()).timeout(Duration.ofMinutes(30)).run();
        Proc.Result probe = Proc.of("debugfs", "-R", "stats", raw.toString()).timeout(Duration.ofMinutes(1)).call();
        if (!probe.ok() || !probe.stdout().contains("Filesystem magic number")) {
            throw MerosException.usage(image + " is not one ext2/3/4 filesystem on the whole disk (partitioned images are not supported by build --use)");
        }
        s.update("debugfs rdump /");
        Files.createDirectories(root);
        Proc.Result r = Proc.of("debugfs", "-R", "rdump / " + root, raw.toString()).timeout(Duration.ofMinutes(30)).onLine(s.lines()).call();
        Files.deleteIfExists(raw);
        if (!r.ok() || !Files.isDirectory(root.resolve("etc"))) {
            throw new MerosException(ExitCode.EXTERNAL, "debugfs could not unpack " + image + ": " + r.tail(2).replace('\n', ' ').strip());
        }
        // rdump puts the tree under root/ as given; lost+found of the source is not needed
        Fs.deleteQuietly(root.resolve("lost+found"));
    }
}
