package meros.core.host;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BinfmtTest {
    @TempDir Path mount;

    @Test
    void handlerNamesFollowQemuUser() {
        assertEquals("qemu-aarch64", Binfmt.handlerName("aarch64"));
        assertEquals("qemu-aarch64", Binfmt.handlerName("arm64"));
        assertEquals("qemu-x86_64", Binfmt.handlerName("amd64"));
    }

    @Test
    void hostArchitectureIsNativeTheOtherIsNot() {
        String host = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64";
        String other = host.equals("x86_64") ? "aarch64" : "x86_64";
        assertTrue(Binfmt.isNative(host));
        assertFalse(Binfmt.isNative(other));
    }

    @Test
    void nativeArchitectureNeedsNothing() {
        List<String> notes = new ArrayList<>();
        Binfmt.ensure(System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64", notes::add);
        assertEquals(List.of(), notes);
    }

    @Test
    void handlerFileIsParsed() throws Exception {
        Files.writeString(mount.resolve("qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n"
                + "offset 0\nmagic 7f454c460201010000000000000000000200b700\n");
        Files.writeString(mount.resolve("qemu-arm"), "disabled\ninterpreter /usr/bin/qemu-arm-static\nflags: OC\noffset 0\n");
        Binfmt.Handler a = Binfmt.handler(mount, "qemu-aarch64");
        assertTrue(a.usable());
        assertEquals("/usr/libexec/qemu-binfmt/aarch64-binfmt-P", a.interpreter());
        Binfmt.Handler arm = Binfmt.handler(mount, "qemu-arm");
        assertTrue(arm.registered());
        assertFalse(arm.enabled());
        assertFalse(arm.fixBinary(), "O and C are not F");
        assertFalse(arm.usable());
        assertFalse(Binfmt.handler(mount, "qemu-riscv64").registered());
    }

    @Test
    void mountedMeansAStatusFile() throws Exception {
        assertFalse(Binfmt.mounted(mount));
        Files.writeString(mount.resolve("status"), "enabled\n");
        assertTrue(Binfmt.mounted(mount));
    }

    @Test
    void systemEmulatorPackages() {
        assertEquals("qemu-system-arm", Binfmt.systemPackage("aarch64"));
        assertEquals("qemu-system-x86", Binfmt.systemPackage("x86_64"));
    }

    @Test
    void missingSystemEmulatorNamesThePackage() {
        MerosException e = assertThrows(MerosException.class, () -> Binfmt.requireSystemEmulator("aarch64", "board", t -> false));
        assertEquals(ExitCode.MISSING_TOOL, e.exitCode());
        assertEquals("vm 'board' has arch aarch64, but qemu-system-aarch64 is not installed: install the Debian package "
                + "'qemu-system-arm' (apt-get install qemu-system-arm)", e.getMessage());
        e = assertThrows(MerosException.class, () -> Binfmt.requireSystemEmulator("x86_64", "pc", t -> !t.equals("qemu-system-x86_64")));
        assertEquals("vm 'pc' has arch x86_64, but qemu-system-x86_64 is not installed: install the Debian package "
                + "'qemu-system-x86' (apt-get install qemu-system-x86)", e.getMessage());
        Binfmt.requireSystemEmulator("aarch64", "board", t -> t.equals("qemu-system-aarch64"));
    }
}
