package meros.e2e;

import meros.core.proc.Proc;
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
 * A checkout (or MEROS_DATA) so deep that a VM's QMP socket path would be longer than a UNIX socket path may be
 * (unix(7): 107 bytes): init refuses in one line, before it builds, probes KVM or makes anything for the VM, instead of
 * QEMU failing at start over a half-made state directory.
 */
@Tag("e2e")
class DeepDataPathE2ETest {
    @TempDir Path tmp;

    @Test
    void initRefusesADataDirectoryTooDeepForItsSocketsAndMakesNothing() throws Exception {
        requireTools("qemu-system-x86_64");
        Path home = tmp.resolve("d".repeat(60)).resolve("meros");
        Files.createDirectories(home.resolve("constellations"));
        E2E.run("cp", "-r", checkout().resolve("constellations/demo").toString(), home.resolve("constellations/demo").toString());
        Path socket = home.resolve("data/state/demo/box/qmp-events.sock");
        int bytes = socket.toString().length();
        assertTrue(bytes > 107, socket.toString());

        Proc.Result r = meros(home, null, Duration.ofMinutes(2), "init", "demo");
        assertEquals(2, r.exit(), r.stdout() + r.stderr());
        assertEquals("error: vm box: its socket " + socket + " would be " + bytes + " bytes long, over the 107 a UNIX socket path may have"
                + " (unix(7)): set MEROS_DATA to a shorter directory (and move the data directory there) or shorten the checkout's path,"
                + " the constellation's or the VM's name", r.stderr().strip());
        assertFalse(Files.exists(home.resolve("data/state/demo/box")), "nothing made for the VM");
        assertFalse(Files.exists(home.resolve("data/disks")), "no build started");
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
    }
}
