package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBuilderTest {
    @TempDir Path tmp;

    @Test
    void condensesKbuildLines() {
        assertEquals("CC fs/ext4/inode.o", KernelBuilder.condense("  CC      fs/ext4/inode.o"));
        assertEquals("LD vmlinux", KernelBuilder.condense("  LD      vmlinux"));
        assertEquals("HOSTCC scripts/kconfig/conf.o", KernelBuilder.condense("  HOSTCC  scripts/kconfig/conf.o"));
        assertNull(KernelBuilder.condense("make[1]: Entering directory '/x'"));
        assertNull(KernelBuilder.condense("fs/ext4/inode.c:12:3: warning: unused variable"));
    }

    @Test
    void installReplacesAtomicallyOnlyWhenDifferent() throws IOException {
        Path built = Files.writeString(tmp.resolve("bzImage.built"), "kernel-1");
        Path dest = tmp.resolve("disks/bzImage");
        assertTrue(KernelBuilder.install(built, dest));
        assertEquals("kernel-1", Files.readString(dest));
        assertFalse(KernelBuilder.install(built, dest));
        Files.writeString(built, "kernel-2");
        assertTrue(KernelBuilder.install(built, dest));
        assertEquals("kernel-2", Files.readString(dest));
        try (var s = Files.list(tmp.resolve("disks"))) {
            assertEquals(List.of("bzImage"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theConfigStampFollowsFragmentAndSource() throws IOException {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        var a = KernelConfig.merge(List.of(new KernelConfig.Fragment("a", "CONFIG_A=y\n")));
        var b = KernelConfig.merge(List.of(new KernelConfig.Fragment("a", "CONFIG_A=y\nCONFIG_B=y\n")));
        String sa = KernelBuilder.configStamp(tree, KernelArch.X86_64, a);
        assertEquals(sa, KernelBuilder.configStamp(tree, KernelArch.X86_64, a));
        assertNotEquals(sa, KernelBuilder.configStamp(tree, KernelArch.X86_64, b));
        assertNotEquals(sa, KernelBuilder.configStamp(tree, KernelArch.AARCH64, a));
        Files.writeString(tree.resolve("Makefile"), "VERSION = 7\n");
        assertNotEquals(sa, KernelBuilder.configStamp(tree, KernelArch.X86_64, a));
    }

    @Test
    void aTreeConfiguredInPlaceIsRefusedBeforeAnyWork() throws IOException {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        Files.writeString(tree.resolve(".config"), "CONFIG_A=y\n");
        KernelBuilder b = new KernelBuilder(new Home(tmp));
        MerosException e = assertThrows(MerosException.class,
                () -> b.build(new KernelBuilder.Options(tree.toString(), null, KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("make mrproper"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("data/build/kernel")));
    }

    @Test
    void aBadUserFragmentFailsBeforeAnyWork() throws IOException {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        Path mine = Files.writeString(tmp.resolve("my.config"), "CONFIG_OK=y\nthis is not kconfig\n");
        KernelBuilder b = new KernelBuilder(new Home(tmp));
        MerosException e = assertThrows(MerosException.class, () -> b.build(
                new KernelBuilder.Options(tree.toString(), mine, KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith(mine + ":2: not a Kconfig line"), e.getMessage());
        MerosException missing = assertThrows(MerosException.class, () -> b.build(
                new KernelBuilder.Options(tree.toString(), Path.of("nope.config"), KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
        assertEquals("config fragment nope.config: no such file", missing.getMessage());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void aFragmentWithBomAndCrlfIsReadLineByLine() throws IOException {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        Path mine = Files.write(tmp.resolve("win.config"),
                "\uFEFF# saved on Windows\r\nCONFIG_OK=y\r\nthis is not kconfig\r\n".getBytes(StandardCharsets.UTF_8));
        KernelBuilder b = new KernelBuilder(new Home(tmp));
        MerosException e = assertThrows(MerosException.class, () -> b.build(
                new KernelBuilder.Options(tree.toString(), mine, KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
        assertTrue(e.getMessage().startsWith(mine + ":3: not a Kconfig line"), "lines 1 and 2 were read: " + e.getMessage());
        assertFalse(e.getMessage().contains("\r"), e.getMessage());
        Path utf16 = Files.write(tmp.resolve("u16.config"), "\uFEFFCONFIG_OK=y\n".getBytes(StandardCharsets.UTF_16LE));
        MerosException u = assertThrows(MerosException.class, () -> b.build(
                new KernelBuilder.Options(tree.toString(), utf16, KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
        assertEquals(utf16 + ":1:1: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8", u.getMessage());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void printingListenerShowsPhasesWithElapsedAndThrottlesProgressWhenNotLive() {
        var sw = new StringWriter();
        var l = KernelBuilder.printing(new PrintWriter(sw), false);
        l.phase("configuring");
        l.progress("CC a.o");
        l.progress("CC b.o");
        l.warning("warning: x");
        assertEquals("[  0s] configuring\n[  0s] CC a.o\nwarning: x\n", sw.toString());
    }

    @Test
    void aSecondBuildOfTheSameArchitectureIsBusy() throws Exception {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        Path lock = Files.createDirectories(tmp.resolve("data/build")).resolve("kernel-x86_64.lock");
        try (var ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = ch.lock()) {
            MerosException e = assertThrows(MerosException.class, () -> new KernelBuilder(new Home(tmp)).build(
                    new KernelBuilder.Options(tree.toString(), null, KernelArch.X86_64, 1), new KernelBuilder.Listener() { }));
            assertEquals(ExitCode.BUSY, e.exitCode());
            assertEquals("another kernel-build --arch x86_64 is running (pid " + ProcessHandle.current().pid() + ", " + lock + ")", e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("data/build/kernel")));
    }

    @Test
    void aBuildOfAnotherArchitectureIsNotHeldUpByIt() throws Exception {
        Path tree = KernelSourceTest.fakeTree(tmp.resolve("linux"));
        Path lock = Files.createDirectories(tmp.resolve("data/build")).resolve("kernel-aarch64.lock");
        try (var ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = ch.lock()) {
            List<String> phases = new ArrayList<>();
            MerosException e = assertThrows(MerosException.class, () -> new KernelBuilder(new Home(tmp)).build(
                    new KernelBuilder.Options(tree.toString(), null, KernelArch.X86_64, 1), new KernelBuilder.Listener() {
                        @Override public void phase(String text) { phases.add(text); }
                    }));
            // the fake tree has no real Makefile: the x86_64 build gets as far as configuring, then make fails
            assertEquals(ExitCode.EXTERNAL, e.exitCode(), e.getMessage());
            assertTrue(phases.get(0).startsWith("configuring: tinyconfig"), phases.toString());
        }
    }
}
