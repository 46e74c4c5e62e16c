package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reset command's wiring to {@code Constellation.reset}: its refusals (a VM not running, no saved boot) come
 * before any VM is touched, as one line with exit 1; usage errors exit 2. A resetting run needs QEMU (e2e).
 */
class ResetCommandTest {
    @TempDir Path root;
    Home home;
    Process fakeQemu;

    record Run(int code, String out, String err) { }

    @BeforeEach
    void manifest() throws IOException {
        home = new Home(root);
        Path c = Files.createDirectories(root.resolve("constellations/t15"));
        Files.writeString(c.resolve("t15.yml"), String.join("\n",
                "virtual_machines:",
                "  web:",
                "    distribution: debian",
                "    network: user",
                "  client:",
                "    distribution: debian",
                "    network: user",
                ""));
    }

    @AfterEach
    void stopFake() throws InterruptedException {
        if (fakeQemu != null) {
            fakeQemu.destroyForcibly();
            fakeQemu.waitFor();
        }
    }

    Run exec(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Cli.create(new Meros(home), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Records VM {@code vm} as running: a process whose command line names the VM's QMP socket, as QEMU's does. */
    void running(String vm) throws IOException {
        fakeQemu = RecordedVm.runningFake(home, "t15", vm);
    }

    @Test
    void refusesWhenAVmIsNotRunning() {
        Run r = exec("reset", "t15");
        assertEquals(new Run(1, "", "error: vm t15/web is not running (stopped): reset needs every VM; start it with: meros init t15\n"), r);
    }

    @Test
    void refusesAVmWithoutSavedBootAndLeavesItRunning() throws IOException {
        running("web");
        running("client");
        Run r = exec("reset", "t15");
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: vm t15/web has no saved boot to reset to ("), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(fakeQemu.isAlive(), "a refused reset touches no VM");
        assertFalse(Files.exists(root.resolve("data/saved")), "nothing is made");
    }

    @Test
    void usageErrorsExit2() {
        Run none = exec("reset");
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("error: Missing required parameter: '<constellation>'"), none.err());
        Run extra = exec("reset", "t15", "web");
        assertEquals(2, extra.code());
        assertTrue(extra.err().contains("Unmatched argument"), extra.err());
        Run unknown = exec("reset", "t15-nosuch");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("t15-nosuch"), unknown.err());
    }

    @Test
    void helpSaysWhatItBlocksOnAndWhenItFails() {
        Run r = exec("reset", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: meros reset "), r.out());
        String text = r.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("Blocks until every VM answers again (typically 1-3 s under TCG, at most 60 s per VM)"), text);
        assertTrue(text.contains("Fails (exit 1) when a VM of the constellation is not running, has no saved boot"), text);
    }
}
