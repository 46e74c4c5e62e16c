package meros.core.qemu;

import meros.core.base.Home;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The end of a VM's serial log, as the readiness wait and error messages read it. */
class SerialTailTest {
    @TempDir Path tmp;

    private VmRuntime runtime() throws Exception {
        Vm web = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of());
        VmRuntime r = new VmRuntime(new Home(tmp), "lab", web);
        Files.createDirectories(r.paths().serial().getParent());
        return r;
    }

    @Test
    void noSerialLogYetIsAnEmptyTail() throws Exception {
        assertEquals("", runtime().serialTail(5));
    }

    @Test
    void theLastLinesOfALogLongerThanWhatIsReadWithoutCarriageReturns() throws Exception {
        VmRuntime r = runtime();
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 20_000; i++) log.append("[ ").append(i).append(".0] line ").append(i).append(" …\r\n");
        assertTrue(log.length() > VmRuntime.SERIAL_TAIL_BYTES * 4, "longer than the tail read");
        Files.writeString(r.paths().serial(), log, StandardCharsets.UTF_8);
        assertEquals("[ 19997.0] line 19997 …\n[ 19998.0] line 19998 …\n[ 19999.0] line 19999 …", r.serialTail(3));
    }

    @Test
    void aShortLogIsReadWhole() throws Exception {
        VmRuntime r = runtime();
        Files.writeString(r.paths().serial(), "SeaBIOS\r\nbooting\r\n");
        assertEquals("SeaBIOS\nbooting", r.serialTail(40));
    }

    /** Lines far longer than the first guess of the tail's size: the read grows until it holds them whole. */
    @Test
    void longLinesComeWhole() throws Exception {
        VmRuntime r = runtime();
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 30; i++) log.append(i).append(":").append("x".repeat(3000)).append("\r\n");
        Files.writeString(r.paths().serial(), log);
        String[] got = r.serialTail(5).split("\n");
        assertEquals(5, got.length);
        assertEquals("25:" + "x".repeat(3000), got[0]);
        assertEquals("29:" + "x".repeat(3000), got[4]);
    }

    /** The line a stop or boot message quotes: the last one with text, cleaned of escape sequences, cut at 100 characters. */
    @Test
    void theLastLineSkipsBlankLinesAndEscapesAndIsCut() throws Exception {
        VmRuntime r = runtime();
        assertEquals("", r.serialLastLine());
        Files.writeString(r.paths().serial(), "[  OK  ] Stopped ssh.service\r\n\u001b[0;1;31mFAILED\u001b[0m to unmount /var\r\n\r\n  \r\n");
        assertEquals("FAILED to unmount /var", r.serialLastLine());
        Files.writeString(r.paths().serial(), "y".repeat(150) + "\r\n");
        assertEquals("y".repeat(100) + "…", r.serialLastLine());
    }
}
