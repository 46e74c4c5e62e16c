package meros.core.image;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskAndToolsTest {

    @Test
    void aMissingHostToolNamesTheDebianPackage() {
        MerosException e = BuildTools.missing("mmdebstrap");
        assertEquals("mmdebstrap not found: install the Debian package 'mmdebstrap' (apt-get install mmdebstrap)", e.getMessage());
        assertEquals(3, e.exitCode().code);
        assertEquals("mke2fs not found: install the Debian package 'e2fsprogs' (apt-get install e2fsprogs)", BuildTools.missing("mke2fs").getMessage());
        assertEquals("qemu-img not found: install the Debian package 'qemu-utils' (apt-get install qemu-utils)", BuildTools.missing("qemu-img").getMessage());
        assertEquals("nft not found: install the Debian package 'nftables' (apt-get install nftables)", BuildTools.missing("nft").getMessage());
        assertEquals("ip not found: install the Debian package 'iproute2' (apt-get install iproute2)", BuildTools.missing("ip").getMessage());
    }

    @Test
    void aDiskSizeTooSmallForTheRootIsAUsageErrorAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Files.write(root.resolve("big"), new byte[8 << 20]);
        Path raw = tmp.resolve("disk.raw");
        Path qcow = tmp.resolve("disk.qcow2");
        MerosException e = assertThrows(MerosException.class,
                () -> ImageBuilder.makeDisk(root, raw, qcow, 32L << 20, new Step(Progress.NONE, "disk")));
        assertEquals("disk_size 32M is too small for the root (8 MiB of files); raise disk_size in the manifest", e.getMessage());
        assertEquals(2, e.exitCode().code);
        assertFalse(Files.exists(raw));
        assertFalse(Files.exists(qcow));
    }

    @Test
    void noSpaceIsRecognisedInToolOutputAndIoErrors() {
        assertTrue(Fs.isNoSpace(new IOException("write: No space left on device")));
        assertEquals("no space left on device while writing x", Fs.ioError("writing x", new IOException("/a: No space left on device")).getMessage());
        assertFalse(Fs.isNoSpace(new IOException("Permission denied")));
    }

    @Test
    void theNewestKernelWithAnInitrdIsPicked(@TempDir Path root) throws Exception {
        Path boot = Files.createDirectories(root.resolve("boot"));
        for (String f : List.of("vmlinuz-6.1.0-9-amd64", "initrd.img-6.1.0-9-amd64", "vmlinuz-6.1.0-10-amd64", "initrd.img-6.1.0-10-amd64",
                "vmlinuz-6.1.0-11-amd64", "config-6.1.0-11-amd64")) {
            Files.writeString(boot.resolve(f), f);
        }
        Vm vm = Fixtures.debian("box", List.of());
        assertArrayEquals(new Path[] {boot.resolve("vmlinuz-6.1.0-10-amd64"), boot.resolve("initrd.img-6.1.0-10-amd64")},
                ImageBuilder.findKernel(root, vm), "6.1.0-11 has no initrd; 10 sorts after 9");
        Files.writeString(boot.resolve("vmlinuz-virt"), "k");
        Files.writeString(boot.resolve("initramfs-virt"), "i");
        Path alpine = Files.createDirectories(root.resolve("a/boot"));
        Files.writeString(alpine.resolve("vmlinuz-virt"), "k");
        Files.writeString(alpine.resolve("initramfs-virt"), "i");
        assertArrayEquals(new Path[] {alpine.resolve("vmlinuz-virt"), alpine.resolve("initramfs-virt")}, ImageBuilder.findKernel(root.resolve("a"), vm));
    }

    @Test
    void aRootWithoutKernelSaysWhatToDo(@TempDir Path root) {
        MerosException e = assertThrows(MerosException.class, () -> ImageBuilder.findKernel(root, Fixtures.debian("box", List.of())));
        assertTrue(e.getMessage().contains("name one with 'kernel:' in the manifest"), e.getMessage());
    }

    @Test
    void mmdebstrapGetsTheWholePackageSetForTheResolvedCodename() {
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", List.of("sudo", "curl"), "http://m.test/debian");
        List<String> argv = DebianBootstrap.mmdebstrapArgv(spec, Path.of("/c/rootfs.tar"));
        assertEquals("mmdebstrap", argv.get(0));
        assertTrue(argv.contains("--include=curl,sudo"), argv.toString());
        assertTrue(argv.contains("--architectures=amd64"));
        assertEquals(List.of("trixie", "/c/rootfs.tar", "http://m.test/debian"), argv.subList(argv.size() - 3, argv.size()));
        assertEquals(List.of("debootstrap", "--variant=minbase", "--arch=amd64", "--include=curl,sudo", "trixie", "/r", "http://m.test/debian"),
                DebianBootstrap.debootstrapArgv(spec, Path.of("/r")));
        assertEquals(List.of("unshare", "--mount", "--propagation", "private", "--", "mmdebstrap", "--verbose"),
                DebianBootstrap.inPrivateMounts(argv).subList(0, 7));
    }

    @Test
    void mmdebstrapTrimsTheInitrdBeforeTheKernelIsInstalled(@TempDir Path root) throws Exception {
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", List.of("linux-image-amd64"), "http://m.test/debian");
        List<String> argv = DebianBootstrap.mmdebstrapArgv(spec, Path.of("/c/rootfs.tar"));
        String hook = argv.stream().filter(a -> a.startsWith("--essential-hook=")).findFirst()
                .orElseThrow(() -> new AssertionError("no essential hook in " + argv)).substring("--essential-hook=".length());
        // mmdebstrap runs a hook with sh, the root as $1: run it the same way on an empty root
        Proc.Result r = Proc.of("sh", "-c", hook, "sh", root.toString())
                .timeout(Duration.ofSeconds(10)).call();
        assertTrue(r.ok(), r.stderr());
        assertEquals("MODULES=list\n", Files.readString(root.resolve("etc/initramfs-tools/conf.d/meros.conf")));
        assertEquals("virtio_pci\nvirtio_mmio\nvirtio_blk\next4\ncrc32c_generic\n",
                Files.readString(root.resolve("usr/share/initramfs-tools/modules.d/meros")));
        String blacklist = Files.readString(root.resolve("etc/modprobe.d/meros-blacklist.conf"));
        assertTrue(blacklist.startsWith("blacklist cfg80211\nblacklist rfkill\n"), blacklist);
        assertEquals(DebianBootstrap.blacklist(), blacklist);
        assertFalse(blacklist.contains("virtio") || blacklist.contains("ext4"), blacklist);
    }

    @Test
    void theBaseKeyNamesTheRecipeVersion() throws Exception {
        // a change to how bases are made (the initrd hook) must not reuse a base cached by an older recipe
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", List.of("curl"), "http://m.test/debian");
        String v1 = "meros-base-recipe=1\ndistribution=debian\ncodename=trixie\narch=amd64\nmirror=http://m.test/debian\npackages=curl\n";
        String old = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(v1.getBytes(StandardCharsets.UTF_8)));
        assertTrue(BaseSpec.RECIPE_VERSION >= 2);
        assertNotEquals(old, spec.key());
        assertEquals(spec.key(), new BaseSpec("debian", "trixie", "amd64", List.of("curl"), "http://m.test/debian/").key());
    }

    @Test
    void aSecondBuildOfTheSameConstellationIsRefusedWhileOneRuns(@TempDir Path tmp) {
        ImageBuilder b = new ImageBuilder(new Home(tmp));
        MerosException e = assertThrows(MerosException.class, () -> b.locked("demo", () -> b.locked("demo", () -> "inner")));
        assertEquals("another meros build of 'demo' is running (pid " + ProcessHandle.current().pid() + ")", e.getMessage());
        assertEquals(5, e.exitCode().code);
        assertEquals("again", b.locked("demo", () -> "again"), "the lock is released afterwards");
        assertEquals("other", b.locked("demo", () -> b.locked("lab", () -> "other")), "other constellations build independently");
    }
}
