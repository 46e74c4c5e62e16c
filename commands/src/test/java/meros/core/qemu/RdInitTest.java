package meros.core.qemu;

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
     * one run for the plain names, one for each line with parameters, none for an empty or missing list.
     */
    @Test
    void theScriptLoadsTheInitrdsModulesInOneRunAndAModuleWithParametersInItsOwn(@TempDir Path dir) throws Exception {
        String s = RdInit.SCRIPT;
        String block = s.substring(s.indexOf("mods=\n"), s.indexOf("[ -z \"$mods\" ] || modprobe -q -b -a $mods\n")
                + "[ -z \"$mods\" ] || modprobe -q -b -a $mods\n".length());
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("calls");
        Files.writeString(bin.resolve("modprobe"), "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n");
        Files.setPosixFilePermissions(bin.resolve("modprobe"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path list = dir.resolve("modules");

        Files.writeString(list, "# comment\nvirtio_pci \n\nvirtio_blk\nloop max_loop=8\next4\n");
        assertEquals("-q -b loop max_loop=8\n-q -b -a virtio_pci virtio_blk ext4\n", runModuleLoading(block, bin, list, calls));
        Files.writeString(list, "");
        assertEquals("", runModuleLoading(block, bin, list, calls), "an empty list: no modprobe at all");
        Files.delete(list);
        assertEquals("", runModuleLoading(block, bin, list, calls), "no list: no modprobe at all");
    }

    private static String runModuleLoading(String block, Path bin, Path list, Path calls) throws Exception {
        Files.deleteIfExists(calls);
        Process p = new ProcessBuilder("sh", "-c", "PATH=" + bin + ":$PATH\n" + block.replace("/conf/modules", list.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return Files.exists(calls) ? Files.readString(calls) : "";
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
