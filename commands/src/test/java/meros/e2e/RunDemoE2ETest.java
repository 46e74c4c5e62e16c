package meros.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The unprivileged path: {@code demo} on user-mode networking, SSH forwarded on a loopback port (no namespace
 * needed: nothing but loopback is used), plus screendump and snapshots over QMP.
 */
@Tag("e2e")
class RunDemoE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    final Path home = checkout();
    @TempDir Path tmp;

    @AfterEach
    void cleanup() {
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    @Test
    void demoBootsOnLoopbackAndAnswersQmp() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap");
        String init = merosOk(home, null, BOOT, "init", "demo").stdout();
        assertTrue(init.matches("(?s).*box: started \\(pid \\d+, tcg, ssh 127.0.0.1:(\\d+)\\).*box: ready in [0-9.]+ s \\(ssh\\).*"), init);
        int port = Integer.parseInt(init.replaceAll("(?s).*ssh 127.0.0.1:(\\d+)\\).*", "$1"));
        assertEquals("box", sshOk(home, null, "demo", "box", "127.0.0.1", port, "hostname").strip());

        String info = merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout();
        assertTrue(info.matches("(?s).*\\nbox +running +\\d+ +tcg +\\d+s +- +127.0.0.1:" + port + " +data/disks/demo/box.qcow2.*"), info);
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("data/state/demo/box"))));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("data/state/demo/box/qmp.sock"))));

        Path shot = tmp.resolve("screen.png");
        merosOk(home, null, Duration.ofMinutes(1), "screendump", "demo", "box", shot.toString());
        byte[] png = Files.readAllBytes(shot);
        assertEquals("\u0089PNG", new String(png, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1));

        merosOk(home, null, Duration.ofMinutes(5), "snapshot", "save", "demo", "box", "first");
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "snapshot", "list", "demo", "box").stdout().contains("first"));
        merosOk(home, null, Duration.ofMinutes(5), "snapshot", "load", "demo", "box", "first");
        assertEquals("running", merosOk(home, null, Duration.ofMinutes(1), "qmp", "demo", "box", "query-status").stdout()
                .replaceAll("(?s).*\"status\" : \"([a-z-]+)\".*", "$1"));

        var bad = meros(home, null, Duration.ofMinutes(1), "qmp", "demo", "box", "no-such-command");
        assertEquals(1, bad.exit());
        assertEquals("error: qmp no-such-command: CommandNotFound: The command no-such-command has not been found", bad.stderr().strip());

        String down = merosOk(home, null, Duration.ofMinutes(3), "shutdown", "demo").stdout();
        assertTrue(down.matches("(?s).*vm box: (powered off|quit|killed).*"), down);
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
        assertFalse(Files.exists(home.resolve("data/state/demo/box/qmp.sock")));
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout().matches("(?s).*\\nbox +stopped .*"));
    }
}
