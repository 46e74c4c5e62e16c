package meros.core.qemu;

import meros.testkit.Cpio;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdInitTest {

    @Test
    void theSegmentIsOneExecutableNewcEntryPaddedToWholeBlocks() throws IOException {
        byte[] seg = RdInit.segment(List.of());
        // the kernel reads the next archive only from a 4-byte boundary; cpio pads to 512
        assertEquals(0, seg.length % 512);
        try (CpioArchiveInputStream in = new CpioArchiveInputStream(new ByteArrayInputStream(seg))) {
            CpioArchiveEntry e = in.getNextCPIOEntry();
            assertNotNull(e);
            assertEquals("meros-init", e.getName());
            assertEquals(0100755, e.getMode());
            assertEquals(RdInit.SCRIPT, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertNull(in.getNextCPIOEntry());
        }
    }

    @Test
    void prependKeepsTheDistributionInitrdWholeBehindTheSegmentAndIsIdempotent(@TempDir Path dir) throws IOException {
        Path initrd = dir.resolve("box.initrd");
        byte[] original = new byte[5000];
        for (int i = 0; i < original.length; i++) original[i] = (byte) (i * 31 + 7);
        original[0] = 0x28; original[1] = (byte) 0xb5; original[2] = 0x2f; original[3] = (byte) 0xfd; // zstd magic
        Files.write(initrd, original);
        assertFalse(RdInit.present(initrd));

        RdInit.prepend(initrd);
        byte[] after = Files.readAllBytes(initrd);
        byte[] seg = RdInit.segment(List.of());
        assertTrue(RdInit.present(initrd));
        assertArrayEquals(seg, Arrays.copyOfRange(after, 0, seg.length));
        assertArrayEquals(original, Arrays.copyOfRange(after, seg.length, after.length));

        RdInit.prepend(initrd);
        assertEquals(after.length, Files.size(initrd), "a second prepend adds nothing");
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    /**
     * A gzip-compressed archive behind the uncompressed ones (mkinitramfs without zstd in the root) is written
     * uncompressed; the uncompressed archives in front of it stay as they are, and other compressions are copied.
     */
    @Test
    void aGzipArchiveAtTheEndIsWrittenUncompressed(@TempDir Path dir) throws IOException {
        byte[] early = cpio("kernel/x86/microcode/GenuineIntel.bin", "microcode".getBytes(StandardCharsets.US_ASCII));
        byte[] early2 = cpio("kernel/x86/microcode/AuthenticAMD.bin", new byte[] {1, 2, 3});
        byte[] main = cpio("init", "#!/bin/sh\n".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(main);
        }
        Path initrd = dir.resolve("box.initrd");
        Files.write(initrd, concat(early, early2, gz.toByteArray(), new byte[8])); // zero padding after the stream, as dd leaves it
        assertEquals(early.length + early2.length, RdInit.afterUncompressedArchives(Files.readAllBytes(initrd)));

        RdInit.prepend(initrd);
        byte[] seg = RdInit.segment(List.of());
        assertArrayEquals(concat(seg, early, early2, main), Files.readAllBytes(initrd));

        Path zstd = dir.resolve("zstd.initrd");
        byte[] z = concat(early2, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 9, 9, 9});
        Files.write(zstd, z);
        RdInit.prepend(zstd);
        assertArrayEquals(concat(seg, z), Files.readAllBytes(zstd), "a zstd archive is left compressed");
        assertEquals(0, RdInit.afterUncompressedArchives(new byte[] {0x1f, (byte) 0x8b, 8, 0}));
        assertEquals(0, RdInit.afterUncompressedArchives("070701zzzzzzzz".getBytes(StandardCharsets.US_ASCII)), "not a header");
    }

    /**
     * The script's module loading, run by {@code sh} against a {@code /conf/modules} of initramfs-tools' format
     * (one module per line, parameters after it, comments, blank lines) with a modprobe that records its arguments:
     * one run for the plain names, one for each line with parameters, none for an empty or missing list. The carried
     * NIC modules are inserted in their order beside it, and the block ends only when they are in.
     */
    @Test
    void theScriptLoadsTheInitrdsModulesInOneRunAndAModuleWithParametersInItsOwn(@TempDir Path dir) throws Exception {
        String s = RdInit.SCRIPT;
        String block = s.substring(s.indexOf("( for m in $(cat /meros/modules"), s.indexOf("wait $nic\n") + "wait $nic\n".length());
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("calls");
        Files.writeString(bin.resolve("modprobe"), "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n");
        Files.setPosixFilePermissions(bin.resolve("modprobe"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path carried = Files.createDirectories(dir.resolve("meros"));
        Path inserted = dir.resolve("inserted");
        // slower than the modprobe, so the block returns before the last insert unless it waits for them
        Files.writeString(carried.resolve("insmod"), "#!/bin/sh\nsleep 0.2\necho \"${1##*/}\" >> '" + inserted + "'\n");
        Files.setPosixFilePermissions(carried.resolve("insmod"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path list = dir.resolve("modules");

        Files.writeString(list, "# comment\nvirtio_pci \n\nvirtio_blk\nloop max_loop=8\next4\n");
        assertEquals("-q -b loop max_loop=8\n-q -b -a virtio_pci virtio_blk ext4\n", runModuleLoading(block, bin, list, calls, carried));
        Files.writeString(list, "");
        assertEquals("", runModuleLoading(block, bin, list, calls, carried), "an empty list: no modprobe at all");
        Files.delete(list);
        assertEquals("", runModuleLoading(block, bin, list, calls, carried), "no list: no modprobe at all");

        Files.writeString(carried.resolve("modules"), "failover.ko.xz\nnet_failover.ko.xz\nvirtio_net.ko.xz\n");
        Files.writeString(list, "virtio_blk\n");
        Files.deleteIfExists(inserted);
        String marked = block + "echo end >> '" + inserted + "'\n";
        assertEquals("-q -b -a virtio_blk\n", runModuleLoading(marked, bin, list, calls, carried));
        assertEquals("failover.ko.xz\nnet_failover.ko.xz\nvirtio_net.ko.xz\nend\n", Files.readString(inserted),
                "every carried module inserted, in order, before the block ends");
    }

    private static String runModuleLoading(String block, Path bin, Path list, Path calls, Path carried) throws Exception {
        Files.deleteIfExists(calls);
        Process p = new ProcessBuilder("sh", "-c", "PATH=" + bin + ":$PATH\n"
                + block.replace("/conf/modules", list.toString()).replace("/meros/", carried + "/"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    /**
     * Debian's layout ({@code sbin -> usr/sbin}, {@code usr/sbin/modprobe -> ../bin/kmod}) gets, behind the inflated
     * initrd, one more archive whose only entry makes the kernel's {@code /sbin/modprobe} a link through
     * {@code /proc/self/root} to the same kmod; unpacked as the kernel does, later archives over earlier ones.
     */
    @Test
    void theKernelsModprobeBecomesALinkThatResolvesOnlyWithProcMounted(@TempDir Path dir) throws IOException {
        byte[] main = archive(
                dir("usr"), dir("usr/bin"), dir("usr/sbin"), link("bin", "usr/bin"), link("sbin", "usr/sbin"),
                file("usr/bin/kmod", "ELF"), link("usr/sbin/modprobe", "../bin/kmod"), file("init", "#!/bin/sh\n"));
        Path initrd = dir.resolve("box.initrd");
        Files.write(initrd, gzip(main));
        RdInit.prepend(initrd);
        byte[] after = Files.readAllBytes(initrd);
        byte[] seg = RdInit.segment(List.of());
        assertArrayEquals(concat(seg, main), Arrays.copyOfRange(after, 0, seg.length + main.length),
                "the segment and the inflated initrd come first, unchanged");
        Map<String, String> tail = Cpio.entries(Arrays.copyOfRange(after, seg.length + main.length, after.length));
        assertEquals(Map.of("usr/sbin/modprobe", "link:/proc/self/root/usr/bin/kmod"), tail);
        assertEquals("link:/proc/self/root/usr/bin/kmod", Cpio.entries(after).get("usr/sbin/modprobe"), "the last archive wins");

        // without merged /usr: sbin is a directory, the link absolute
        Path old = dir.resolve("old.initrd");
        byte[] oldMain = archive(dir("bin"), dir("sbin"), file("bin/kmod", "ELF"), link("sbin/modprobe", "/bin/kmod"));
        Files.write(old, gzip(oldMain));
        RdInit.prepend(old);
        assertEquals("link:/proc/self/root/bin/kmod", Cpio.entries(Files.readAllBytes(old)).get("sbin/modprobe"));
    }

    /** No redirect when {@code /sbin/modprobe} is not a link to a regular file, as the last archive leaves it. */
    @Test
    void anyOtherModprobeIsLeftAsItIs(@TempDir Path dir) throws IOException {
        byte[] seg = RdInit.segment(List.of());
        List<byte[]> mains = List.of(
                archive(dir("sbin"), file("sbin/modprobe", "busybox")), // a program of its own
                archive(dir("sbin"), link("sbin/modprobe", "/bin/busybox")), // a link to nothing
                archive(dir("sbin"), dir("bin"), link("sbin/modprobe", "/bin")), // a link to a directory
                archive(link("sbin", "usr/sbin"), link("usr", "sbin")), // a loop
                archive(file("init", "x")), // no modprobe at all
                Arrays.copyOf(archive(dir("bin"), file("bin/kmod", "ELF"), link("sbin", "bin"), link("bin/modprobe", "kmod"),
                        file("init", "x".repeat(600))), 650)); // cut off in its last file
        for (int i = 0; i < mains.size(); i++) {
            byte[] main = mains.get(i);
            Path initrd = dir.resolve("i.initrd");
            Files.write(initrd, gzip(main));
            RdInit.prepend(initrd);
            assertArrayEquals(concat(seg, main), Files.readAllBytes(initrd), "case " + i);
            Files.delete(initrd);
        }
        // an early archive's link replaced by the main archive's program
        byte[] early = archive(dir("sbin"), file("kmod", "ELF"), link("sbin/modprobe", "/kmod"));
        byte[] main = archive(file("sbin/modprobe", "busybox"));
        Path initrd = dir.resolve("two.initrd");
        Files.write(initrd, concat(early, gzip(main)));
        RdInit.prepend(initrd);
        assertArrayEquals(concat(seg, early, main), Files.readAllBytes(initrd));
    }

    @Test
    void resolveFollowsLinksAsPathResolutionDoes() {
        Map<String, String> links = Map.of("sbin", "usr/sbin", "usr/sbin/modprobe", "../bin/kmod", "a", "b", "b", "a",
                "lib64", "/usr/lib64");
        assertEquals("usr/sbin/modprobe", RdInit.resolve("sbin/modprobe", links, false));
        assertEquals("usr/bin/kmod", RdInit.resolve("sbin/modprobe", links, true));
        assertEquals("usr/lib64/ld.so", RdInit.resolve("lib64/ld.so", links, true));
        assertEquals("etc", RdInit.resolve("./usr/../etc", links, true));
        assertNull(RdInit.resolve("a/x", links, true), "a loop");
    }

    private record Entry(String name, int mode, String body) { }

    private static Entry dir(String name) { return new Entry(name, CpioConstants.C_ISDIR | 0755, ""); }

    private static Entry file(String name, String body) { return new Entry(name, CpioConstants.C_ISREG | 0755, body); }

    private static Entry link(String name, String target) { return new Entry(name, CpioConstants.C_ISLNK | 0777, target); }

    /** One newc archive of {@code entries}, in order. */
    private static byte[] archive(Entry... entries) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream c = new CpioArchiveOutputStream(buf, CpioConstants.FORMAT_NEW, 4, "US-ASCII")) {
            for (Entry x : entries) {
                byte[] body = x.body().getBytes(StandardCharsets.US_ASCII);
                CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, x.name(), body.length);
                e.setMode(x.mode());
                c.putArchiveEntry(e);
                c.write(body);
                c.closeArchiveEntry();
            }
            c.finish();
        }
        return buf.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(data);
        }
        return gz.toByteArray();
    }

    /** One newc archive holding one regular file. */
    static byte[] cpio(String name, byte[] body) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream c = new CpioArchiveOutputStream(buf, CpioConstants.FORMAT_NEW, 4, "US-ASCII")) {
            CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name, body.length);
            e.setMode(CpioConstants.C_ISREG | 0644);
            c.putArchiveEntry(e);
            c.write(body);
            c.closeArchiveEntry();
            c.finish();
        }
        return buf.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Test
    void aModuleComesAfterWhatItNeedsAndTravelsWithAnInsmodLink(@TempDir Path dir) throws IOException {
        Path mods = Files.createDirectories(dir.resolve("usr/lib/modules/6.12-amd64"));
        Files.writeString(mods.resolve("modules.dep"), """
                kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz
                kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz
                kernel/net/core/failover.ko.xz:
                """);
        for (String f : List.of("kernel/drivers/net/virtio_net.ko.xz", "kernel/drivers/net/net_failover.ko.xz", "kernel/net/core/failover.ko.xz")) {
            Files.createDirectories(mods.resolve(f).getParent());
            Files.writeString(mods.resolve(f), f);
        }
        List<Path> order = RdInit.moduleFiles(dir, "6.12-amd64", "virtio_net");
        assertEquals(List.of("failover.ko.xz", "net_failover.ko.xz", "virtio_net.ko.xz"),
                order.stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(), RdInit.moduleFiles(dir, "6.12-amd64", "e1000"), "built in or absent: nothing to carry");

        try (CpioArchiveInputStream in = new CpioArchiveInputStream(new ByteArrayInputStream(RdInit.segment(order)))) {
            assertEquals("meros-init", in.getNextCPIOEntry().getName());
            assertTrue(in.getNextCPIOEntry().isDirectory());
            for (String m : List.of("failover.ko.xz", "net_failover.ko.xz", "virtio_net.ko.xz")) {
                CpioArchiveEntry e = in.getNextCPIOEntry();
                assertEquals("meros/" + m, e.getName());
            }
            assertEquals("meros/modules", in.getNextCPIOEntry().getName());
            assertEquals("failover.ko.xz\nnet_failover.ko.xz\nvirtio_net.ko.xz\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            CpioArchiveEntry link = in.getNextCPIOEntry();
            assertEquals("meros/insmod", link.getName());
            assertTrue(link.isSymbolicLink());
            assertEquals("/usr/bin/kmod", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void presentIsFalseForOtherInitrdsAndMissingFiles(@TempDir Path dir) throws IOException {
        assertFalse(RdInit.present(null));
        assertFalse(RdInit.present(dir.resolve("missing")));
        Path debian = dir.resolve("debian.initrd");
        // an uncompressed newc archive that starts with another name (Debian's early cpio starts with ".")
        Files.write(debian, ("070701" + "0".repeat(104) + ".\0").getBytes(StandardCharsets.US_ASCII));
        assertFalse(RdInit.present(debian));
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, "0707".getBytes(StandardCharsets.US_ASCII));
        assertFalse(RdInit.present(tiny));
    }

    @Test
    void theScriptHandsOverToTheInitrdsOwnInitForAnythingItDoesNotHandle() {
        String s = RdInit.SCRIPT;
        assertTrue(s.startsWith("#!/bin/sh\n"));
        for (String unusual : new String[] {"root=*) fallback", "break|break=*|resume=*|debug|debug=*) fallback",
                "run-init missing", "cannot mount $root", "did not appear"}) {
            assertTrue(s.contains(unusual), unusual);
        }
        assertTrue(s.contains("exec /init\n"), "the fallback runs the initrd's /init");
        assertTrue(s.contains("exec run-init /root \"$init\""), "the normal path switches to the root's init");
    }
}
