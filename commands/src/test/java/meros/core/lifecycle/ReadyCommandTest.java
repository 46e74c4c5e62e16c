package meros.core.lifecycle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readiness command, run by a real /bin/sh against a stand-in systemctl. */
class ReadyCommandTest {

    /** A PATH holding only {@code sleep} and, when {@code systemctl} is not null, a systemctl with that body. */
    private static Path bin(Path dir, String systemctl) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("sleep"), Path.of("/bin/sleep"));
        if (systemctl != null) {
            Path s = bin.resolve("systemctl");
            Files.writeString(s, "#!/bin/sh\n" + systemctl + "\n");
            Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    private static int run(Path bin, String command, StringBuilder out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", command)).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the command ended");
        out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        return p.exitValue();
    }

    @Test
    void aGuestWithoutSystemctlIsReadyAtOnce(@TempDir Path dir) throws Exception {
        assertEquals(0, run(bin(dir, null), Lifecycle.readyCommand(3), new StringBuilder()));
    }

    @Test
    void itWaitsUntilNetworkTargetIsActive(@TempDir Path dir) throws Exception {
        // inactive for the first two checks, then active; only network.target is asked about
        Path count = dir.resolve("count");
        Files.writeString(count, "");
        Path bin = bin(dir, "[ \"$*\" = 'is-active --quiet network.target' ] || exit 9\n"
                + "echo x >> " + count + "\n[ $(wc -l < " + count + ") -ge 3 ]");
        Files.createSymbolicLink(bin.resolve("wc"), Path.of("/usr/bin/wc"));
        assertEquals(0, run(bin, Lifecycle.readyCommand(10), new StringBuilder()));
        assertEquals(3, Files.readAllLines(count).size());
    }

    @Test
    void aTargetThatNeverComesEndsTheCommandWithAReason(@TempDir Path dir) throws Exception {
        StringBuilder out = new StringBuilder();
        assertEquals(1, run(bin(dir, "exit 3"), Lifecycle.readyCommand(3), out));
        assertEquals("network.target is not active\n", out.toString());
        assertTrue(Lifecycle.READY_COMMAND.contains("-ge " + Lifecycle.NETWORK_TARGET_POLLS + " ]"));
    }
}
