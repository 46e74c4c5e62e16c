package meros.core.image;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.lifecycle.Lifecycle;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.proc.Proc;
import meros.core.qemu.QemuArgs;
import meros.testkit.Cpio;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds the shipped {@code demo} constellation with the real bootstrapper (mmdebstrap against the host's
 * Debian mirror) into a scratch meros home, then inspects the disk with debugfs and boots it under TCG.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageBuildE2ETest {
    static Path home;
    static ImageBuilder builder;
    static ImageBuilder.BuiltImage cold;
    static final List<String> progress = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void setUp() throws IOException {
        for (String tool : List.of("mmdebstrap", "mke2fs", "debugfs", "qemu-img", "ssh-keygen", "chroot")) {
            assertTrue(Proc.onPath(tool), tool + " is required for this test (package " + BuildTools.packageOf(tool) + ")");
        }
        home = Files.createTempDirectory("meros-e2e-build");
        copyTree(Path.of(System.getProperty("meros.home", ".")).resolve("constellations/demo"), home.resolve("constellations/demo"));
        builder = new ImageBuilder(new Home(home));
    }

    @AfterAll
    static void tearDown() {
        if (home != null) Fs.deleteQuietly(home);
    }

    static Manifest demo() {
        return ManifestLoader.load(home.resolve("constellations/demo"));
    }

    static Progress recorder() {
        return new Progress() {
            @Override public void begin(String step) { progress.add("begin " + step); }
            @Override public void update(String step, double s, String detail) { progress.add(Progress.format(s, step, detail)); }
            @Override public void end(String step, double s, String outcome) { progress.add(Progress.format(s, step, outcome)); }
        };
    }

    @Test
    @Order(1)
    void coldBuildOfDemoProducesAQcow2WithIncludesHookNetworkConfigKeysAndKernel() throws Exception {
        progress.clear();
        List<ImageBuilder.BuiltImage> built = builder.build(demo(), List.of(), recorder());
        assertEquals(1, built.size());
        cold = built.get(0);
        assertFalse(cold.baseCacheHit(), "a fresh home has no cached base");
        assertTrue(progress.stream().anyMatch(l -> l.matches("\\[ *\\d+\\.\\ds\\] bootstrap debian \\w+ amd64: .+")),
                "live bootstrap lines with elapsed time: " + progress.subList(0, Math.min(5, progress.size())));

        Path disk = home.resolve("data/disks/demo/box.qcow2");
        assertEquals(disk, cold.disk());
        assertTrue(Proc.of("qemu-img", "info", "--output=json", disk.toString()).output().contains("\"format\": \"qcow2\""));

        Image img = Image.open(disk);
        try {
            assertEquals("Welcome to meros demo\n", img.cat("/etc/motd"));
            assertEquals("hello from the demo hook\n", img.cat("/etc/meros-hook-ran"));
            assertEquals("box\n", img.cat("/etc/hostname"));
            assertTrue(img.cat("/etc/fstab").contains("/dev/vda / ext4 defaults 0 1"));
            assertTrue(img.cat("/etc/systemd/network/99-meros-dhcp.network").contains("DHCP=ipv4"));
            String pub = Files.readString(home.resolve("data/keys/demo/box/id_ed25519.pub")).strip();
            assertEquals(pub + "\n", img.cat("/home/debian/.ssh/authorized_keys"));
            assertEquals(pub + "\n", img.cat("/root/.ssh/authorized_keys"));
            assertEquals(Files.readString(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub")), img.cat("/etc/ssh/ssh_host_ed25519_key.pub"));
            String sshDir = img.ls("/etc/ssh");
            assertFalse(sshDir.contains("ssh_host_rsa_key"), sshDir);
            assertFalse(sshDir.contains("ssh_host_ecdsa_key"), sshDir);
            assertTrue(img.cat("/etc/passwd").contains("\ndebian:x:1000:1000:"), "the manifest user exists");
            assertTrue(img.stat("/etc/ssh/ssh_host_ed25519_key").contains("Mode:  0600"));
            assertTrue(img.stat("/home/debian/.ssh/authorized_keys").contains("User:  1000"), img.stat("/home/debian/.ssh/authorized_keys"));
        } finally {
            img.close();
        }
        assertEquals("600", Integer.toOctalString((Integer) Files.getAttribute(home.resolve("data/keys/demo/box/id_ed25519"), "unix:mode") & 0777));
        byte[] kernel = Files.readAllBytes(home.resolve("data/disks/demo/box.vmlinuz"));
        assertEquals("HdrS", new String(kernel, 0x202, 4, StandardCharsets.US_ASCII), "a bzImage");
        byte[] initrd = Files.readAllBytes(home.resolve("data/disks/demo/box.initrd"));
        assertTrue(initrd.length > 1_000_000);
        // unpacked as the kernel does, the initrd's /sbin/modprobe is kmod only once /proc is mounted
        assertEquals("link:/proc/self/root/usr/bin/kmod", Cpio.entries(initrd).get("usr/sbin/modprobe"));
        assertTrue(builder.isBuilt(demo(), "box"));
        assertNoTempFiles();
    }

    @Test
    @Order(2)
    void rebuildAfterTouchingOneIncludeReusesTheCachedBase() throws Exception {
        Path cacheEntry = home.resolve("data/cache/base").resolve(cold.baseKey());
        FileTime before = Files.getLastModifiedTime(cacheEntry.resolve("rootfs.tar"));
        String clientKey = Files.readString(home.resolve("data/keys/demo/box/id_ed25519"));
        Files.writeString(home.resolve("constellations/demo/includes.chroot/etc/motd"), "changed include\n");
        progress.clear();

        ImageBuilder.BuiltImage warm = builder.build(demo(), List.of("box"), recorder()).get(0);

        assertTrue(warm.baseCacheHit());
        assertEquals(cold.baseKey(), warm.baseKey(), "an include is not part of the cache key");
        assertEquals(before, Files.getLastModifiedTime(cacheEntry.resolve("rootfs.tar")));
        assertTrue(progress.stream().noneMatch(l -> l.contains("bootstrap debian")), "no bootstrap ran: " + progress);
        assertEquals(clientKey, Files.readString(home.resolve("data/keys/demo/box/id_ed25519")), "the client key is reused");
        try (Image img = Image.open(warm.disk())) {
            assertEquals("changed include\n", img.cat("/etc/motd"));
        }
        assertNoTempFiles();
    }

    @Test
    @Order(3)
    void aFailingHookFailsTheBuildAndLeavesThePreviousImageIntact() throws Exception {
        Path disk = home.resolve("data/disks/demo/box.qcow2");
        byte[] hostPub = Files.readAllBytes(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub"));
        FileTime diskTime = Files.getLastModifiedTime(disk);
        Path hook = home.resolve("constellations/demo/hooks/20-fail");
        Files.writeString(hook, "#!/bin/sh\necho checking things\necho 'no frobnicator' >&2\nexit 3\n");
        hook.toFile().setExecutable(true);
        try {
            MerosException e = assertThrows(MerosException.class, () -> builder.build(demo(), List.of(), Progress.NONE));
            assertEquals("hook hooks/20-fail failed with exit status 3: checking things no frobnicator", e.getMessage());
        } finally {
            Files.delete(hook);
        }
        assertEquals(diskTime, Files.getLastModifiedTime(disk), "the previous disk is untouched");
        assertTrue(Arrays.equals(hostPub, Files.readAllBytes(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub"))),
                "the recorded host key still matches the previous disk");
        assertNoTempFiles();
        assertFalse(Files.exists(builder.workDir("demo", demo().vm("box"))), "the work directory is removed");
        assertFalse(Files.exists(home.resolve("data/build/demo/box.tmp")));
        assertTrue(builder.status(demo(), "box").upToDate(), "the previous disk's record is kept with it");
    }

    @Test
    @Order(4)
    void initRebuildsTheDiskWhenAnIncludesContentChangedAndLeavesAnUpToDateOneAlone() throws Exception {
        Path disk = home.resolve("data/disks/demo/box.qcow2");
        Path record = builder.buildRecord("demo", "box");
        assertTrue(Files.isRegularFile(record), "the build wrote its record beside the disk");
        assertTrue(builder.status(demo(), "box").upToDate(), String.valueOf(builder.status(demo(), "box")));

        // what init pays for the check when nothing changed: manifest load + status, best of 20
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            builder.status(demo(), "box");
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("up-to-date check of demo/box: %.2f ms%n", best / 1e6);

        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Lifecycle init = new Lifecycle(new Home(home), lines::add);
        FileTime built = Files.getLastModifiedTime(disk);
        init.buildOutOfDate(demo(), List.of("box"));
        assertEquals(List.of(), lines, "an up-to-date disk is not rebuilt");
        assertEquals(built, Files.getLastModifiedTime(disk));

        Files.writeString(home.resolve("constellations/demo/includes.chroot/etc/motd"), "rebuilt by init\n");
        assertEquals("includes changed", builder.status(demo(), "box").outOfDate());
        init.buildOutOfDate(demo(), List.of("box"));
        assertEquals("box: image out of date (includes changed); rebuilding", lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("(base cache hit)")), "the base cache keeps it cheap: " + lines);
        assertNotEquals(built, Files.getLastModifiedTime(disk));
        try (Image img = Image.open(disk)) {
            assertEquals("rebuilt by init\n", img.cat("/etc/motd"));
        }
        assertTrue(builder.status(demo(), "box").upToDate(), String.valueOf(builder.status(demo(), "box")));

        byte[] kept = Files.readAllBytes(record);
        Files.delete(record);
        assertTrue(builder.status(demo(), "box").notice().startsWith("no build record (box.build.json)"), String.valueOf(builder.status(demo(), "box")));
        Files.write(record, kept);
        assertNoTempFiles();
    }

    @Test
    @Order(5)
    void theBuiltDiskBootsUnderTcgToAnSshBannerAndAcceptsThePinnedKeys() throws Exception {
        Path state = Files.createTempDirectory(home, "boot");
        Path overlay = state.resolve("overlay.qcow2");
        Path disk = home.resolve("data/disks/demo/box.qcow2");
        Proc.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", disk.toString(), overlay.toString()).run();
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { port = s.getLocalPort(); }
        // initramfs-tools' /init (no rdinit=), on the CPU model and tsc= that meros gives an x86 guest under TCG, with
        // both vCPUs on one host thread: under multi-threaded TCG a vCPU can run code the other has just rewritten and
        // the guest's kernel can panic (QemuArgs.X86_TCG_CPU, TCG_TSC_UNSTABLE, TCG_SINGLE_THREADED); meros itself
        // boots such a guest again single-threaded, which this test of the disk has no reason to repeat
        Path serial = state.resolve("serial.log");
        List<String> argv = List.of("qemu-system-x86_64", "-accel", QemuArgs.TCG_SINGLE_THREADED, "-cpu", QemuArgs.X86_TCG_CPU, "-m", "1024", "-smp", "2",
                "-nodefaults", "-no-user-config", "-display", "none", "-serial", "file:" + serial,
                "-kernel", home.resolve("data/disks/demo/box.vmlinuz").toString(),
                "-initrd", home.resolve("data/disks/demo/box.initrd").toString(),
                "-append", "root=/dev/vda rw console=ttyS0 " + QemuArgs.TCG_TSC_UNSTABLE,
                "-drive", "file=" + overlay + ",if=virtio,format=qcow2",
                "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:" + port + "-:22", "-device", "virtio-net-pci,netdev=n0");
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(state.resolve("qemu.log").toFile()).start();
        try {
            long t0 = System.nanoTime();
            String banner = waitForBanner(port, Duration.ofSeconds(300), qemu, serial);
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("boot-to-SSH-banner: %.1f s (TCG, 2 vCPUs, 1 GiB)%n", secs);
            assertTrue(banner.startsWith("SSH-2.0-OpenSSH"), banner);

            Path knownHosts = state.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + Files.readString(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub")));
            List<String> ssh = new ArrayList<>(List.of("ssh", "-i", home.resolve("data/keys/demo/box/id_ed25519").toString(),
                    "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                    "-o", "ConnectTimeout=30", "-p", Integer.toString(port), "debian@127.0.0.1"));
            ssh.addAll(List.of("cat /etc/motd; sudo -n id -u; hostname"));
            Proc.Result r = Proc.of(ssh).timeout(Duration.ofMinutes(2)).call();
            assertEquals(0, r.exit(), r.stderr());
            assertEquals("rebuilt by init\n0\nbox\n", r.stdout(), "the include init rebuilt the disk for is in the guest");

            // every file of meros's guest configuration is still as written once the guest has booted: a distribution's
            // boot-time work replacing one (trixie's tmpfiles links /etc/default/locale to ../locale.conf) fails here
            // (the sshd drop-in as the build wrote it for this guest's OpenSSH: with its sshd-session, no penalties)
            GuestConfig cfg = new GuestConfig(demo(), demo().vm("box"));
            List<String> asked = new ArrayList<>(ssh.subList(0, ssh.size() - 1));
            asked.add("ls /" + String.join(" /", Composer.SSHD_SESSION) + " 2>/dev/null | wc -l");
            boolean knowsPenalties = !Proc.of(asked).timeout(Duration.ofMinutes(2)).call().stdout().strip().equals("0");
            StringBuilder cat = new StringBuilder();
            StringBuilder written = new StringBuilder();
            for (GuestConfig.File f : cfg.files().values()) {
                cat.append("echo '== ").append(f.path()).append("'; sudo -n cat '/").append(f.path()).append("'; ");
                written.append("== ").append(f.path()).append('\n')
                        .append(f.path().equals(GuestConfig.SSHD_DROPIN) ? cfg.sshdConfig(knowsPenalties) : f.content());
            }
            List<String> catAll = new ArrayList<>(ssh.subList(0, ssh.size() - 1));
            catAll.add(cat.toString());
            Proc.Result files = Proc.of(catAll).timeout(Duration.ofMinutes(2)).call();
            assertEquals(written.toString(), files.stdout(), files.stderr());
        } finally {
            qemu.destroy();
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) qemu.destroyForcibly().waitFor();
        }
    }

    /** An input image for --use: the demo disk with the hook's file and the include removed. */
    static Path strippedInput(String name) throws Exception {
        Path raw = home.resolve(name + ".raw");
        Proc.of("qemu-img", "convert", "-O", "raw", home.resolve("data/disks/demo/box.qcow2").toString(), raw.toString()).timeout(Duration.ofMinutes(5)).run();
        Proc.of("debugfs", "-w", "-R", "rm /etc/meros-hook-ran", raw.toString()).run();
        Proc.of("debugfs", "-w", "-R", "rm /etc/motd", raw.toString()).run();
        Path in = home.resolve(name + ".qcow2");
        Proc.of("qemu-img", "convert", "-O", "qcow2", raw.toString(), in.toString()).timeout(Duration.ofMinutes(5)).run();
        Files.delete(raw);
        try (Image img = Image.open(in)) {
            assertFalse(img.debugfs("ls /etc").contains("meros-hook-ran"));
        }
        return in;
    }

    void useAppliesIncludesHooksAndKeys(ImageBuilder b, String name) throws Exception {
        Path in = strippedInput(name);
        String oldHostPub = Files.readString(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub"));
        Files.writeString(home.resolve("constellations/demo/includes.chroot/etc/motd"), "from --use\n");
        progress.clear();
        ImageBuilder.BuiltImage built = b.buildFrom(demo(), "box", in, recorder());
        String hostPub = Files.readString(home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub"));
        assertNotEquals(oldHostPub, hostPub, "a fresh host key per build");
        try (Image img = Image.open(built.disk())) {
            assertEquals("from --use\n", img.cat("/etc/motd"));
            assertEquals("hello from the demo hook\n", img.cat("/etc/meros-hook-ran"));
            assertEquals(hostPub, img.cat("/etc/ssh/ssh_host_ed25519_key.pub"));
            String pub = Files.readString(home.resolve("data/keys/demo/box/id_ed25519.pub")).strip();
            assertEquals(pub + "\n", img.cat("/home/debian/.ssh/authorized_keys"));
            assertEquals(pub + "\n", img.cat("/root/.ssh/authorized_keys"));
            assertTrue(img.cat("/etc/systemd/network/99-meros-dhcp.network").contains("DHCP=ipv4"));
            assertFalse(img.ls("/tmp").contains("meros-setup"), "no staging left in the image");
        }
        assertEquals("HdrS", new String(Files.readAllBytes(built.kernel()), 0x202, 4, StandardCharsets.US_ASCII));
        assertTrue(Files.size(built.initrd()) > 1_000_000);
        assertNoTempFiles();
        ImageBuilder.Status st = b.status(demo(), "box");
        assertTrue(st.upToDate() && st.notice() == null, "a build --use disk is never rebuilt from the recipe: " + st);
        Files.writeString(home.resolve("constellations/demo/includes.chroot/etc/motd"), "after --use\n");
        st = b.status(demo(), "box");
        assertTrue(st.upToDate(), String.valueOf(st));
        assertEquals("built from " + in + " with build --use; includes changed since (run 'meros build --use " + in + " demo box' to apply)", st.notice());
        Files.delete(in);
    }

    @Test
    @Order(6)
    void useWithVirtCustomizeAppliesIncludesHooksAndKeysToACopy() throws Exception {
        assertTrue(Proc.onPath("virt-customize"), "virt-customize is required (package libguestfs-tools)");
        useAppliesIncludesHooksAndKeys(builder, "input-guestfs");
        assertTrue(progress.stream().anyMatch(l -> l.contains("virt-customize")), progress.toString());
    }

    @Test
    @Order(7)
    void useWithoutVirtCustomizeFallsBackToDebugfsForWholeDiskExt4() throws Exception {
        useAppliesIncludesHooksAndKeys(new ImageBuilder(new Home(home)).useVirtCustomize(false), "input-debugfs");
        assertTrue(progress.stream().anyMatch(l -> l.contains("debugfs rdump")), progress.toString());
    }

    /** How many of the serial log's last lines a failed wait for the banner shows. */
    static final int SERIAL_TAIL_LINES = 25;

    /**
     * Waits for sshd's banner on the forwarded {@code port}; fails at once when QEMU exits or the serial log shows a
     * kernel Oops or panic, and shows the serial log's last lines with every failure.
     */
    static String waitForBanner(int port, Duration timeout, Process qemu, Path serial) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            if (!qemu.isAlive()) throw new AssertionError("qemu exited with status " + qemu.exitValue() + " before sshd answered" + serialTail(serial));
            String fault = guestFault(serial);
            if (fault != null) throw new AssertionError("the guest died before sshd answered: " + fault + serialTail(serial));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                StringBuilder sb = new StringBuilder();
                int c;
                while ((c = in.read()) >= 0 && c != '\n') sb.append((char) c);
                if (sb.toString().startsWith("SSH-")) return sb.toString().strip();
                last = "'" + sb + "'";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no SSH banner on 127.0.0.1:" + port + " within " + timeout.toSeconds() + " s (last: " + last + ")" + serialTail(serial));
    }

    /** The serial log's first line that reports a kernel Oops or panic, or null. */
    static String guestFault(Path serial) throws IOException {
        if (!Files.exists(serial)) return null;
        return Files.readString(serial, StandardCharsets.ISO_8859_1).lines()
                .filter(l -> l.contains("Kernel panic") || l.contains("Oops:")).findFirst().map(String::strip).orElse(null);
    }

    static String serialTail(Path serial) throws IOException {
        if (!Files.exists(serial)) return "; no serial log";
        List<String> lines = Files.readString(serial, StandardCharsets.ISO_8859_1).lines().toList();
        return "; serial log's last lines:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - SERIAL_TAIL_LINES), lines.size()));
    }

    static void assertNoTempFiles() throws IOException {
        try (Stream<Path> s = Files.list(home.resolve("data/disks/demo"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("box.build.json", "box.initrd", "box.qcow2", "box.vmlinuz"), names);
        }
        try (Stream<Path> s = Files.list(home.resolve("data/cache/base"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary cache entry left");
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path d = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(d);
                else Files.copy(p, d, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** The disk's filesystem, read with debugfs from a raw copy (no mount). */
    static final class Image implements AutoCloseable {
        final Path dir;
        final Path raw;

        private Image(Path dir) { this.dir = dir; this.raw = dir.resolve("disk.raw"); }

        static Image open(Path qcow2) throws IOException {
            Image i = new Image(Files.createTempDirectory(home, "inspect"));
            Proc.of("qemu-img", "convert", "-O", "raw", qcow2.toString(), i.raw.toString()).timeout(Duration.ofMinutes(5)).run();
            return i;
        }

        String debugfs(String request) {
            return Proc.of("debugfs", "-R", request, raw.toString()).timeout(Duration.ofMinutes(1)).run().stdout();
        }

        String cat(String path) {
            String out = debugfs("cat " + path);
            assertNotEquals("", out, path + " is missing or empty in the image");
            return out;
        }

        String ls(String path) { return debugfs("ls -l " + path); }

        String stat(String path) { return debugfs("stat " + path); }

        @Override
        public void close() { Fs.deleteQuietly(dir); }
    }
}
