package meros.core.ssh;

import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GuestAgentTest {
    static final Duration T = Duration.ofSeconds(20);

    @Test
    void syncSkipsLeftoversOfAnEarlierClientThenExecReturnsStatusAndOutput(@TempDir Path tmp) throws Exception {
        try (FakeGuestAgent fake = new FakeGuestAgent(tmp.resolve("qga.sock"))) {
            fake.junkBeforeSync = "{\"return\": {\"pid\": 1}}\n{\"return\": 12";
            try (GuestAgent a = GuestAgent.connect(fake.socket, "t/vm", T)) {
                ExecResult r = a.exec("echo \"it's $((6*7))\"; echo oops >&2; exit 3", T);
                assertEquals(3, r.status());
                assertEquals("it's 42\n", r.stdout());
                assertEquals("oops\n", r.stderr());
            }
            assertEquals("guest-sync-delimited", fake.commands.get(0));
            assertTrue(fake.commands.contains("guest-exec-status"));
        }
    }

    @Test
    void agentErrorsCarryTheAgentsDescription(@TempDir Path tmp) throws Exception {
        try (FakeGuestAgent fake = new FakeGuestAgent(tmp.resolve("qga.sock"));
             GuestAgent a = GuestAgent.connect(fake.socket, "t/vm", T)) {
            MerosException e = assertThrows(MerosException.class, () -> a.call("guest-frobnicate", null));
            assertEquals("guest agent on t/vm: guest-frobnicate failed: The command guest-frobnicate has not been found", e.getMessage());
        }
    }

    @Test
    void aSilentAgentTimesOutSayingWhatItWaitedFor(@TempDir Path tmp) throws Exception {
        try (FakeGuestAgent fake = new FakeGuestAgent(tmp.resolve("qga.sock"))) {
            fake.silent = true;
            MerosException e = assertThrows(MerosException.class, () -> GuestAgent.connect(fake.socket, "t/vm", Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("is qemu-guest-agent running in the guest?"), e.getMessage());
        }
    }

    @Test
    void missingSocketIsNamed(@TempDir Path tmp) {
        MerosException e = assertThrows(MerosException.class, () -> GuestAgent.connect(tmp.resolve("qga.sock"), "t/vm", T));
        assertEquals("no guest agent socket " + tmp.resolve("qga.sock") + " (is t/vm running?)", e.getMessage());
    }

    @Test
    void pushAndPullADirectoryThroughFileCalls(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("tree");
        Files.createDirectories(src.resolve("sub"));
        byte[] big = new byte[2 * 1024 * 1024 + 5];   // more than one 1 MiB chunk
        new Random(7).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve("sub/run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(src.resolve("sub/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("sub"), PosixFilePermissions.fromString("rwx--x---"));
        Path guest = Files.createDirectories(tmp.resolve("guest"));
        try (FakeGuestAgent fake = new FakeGuestAgent(tmp.resolve("qga.sock"));
             GuestAgent a = GuestAgent.connect(fake.socket, "t/vm", T)) {
            a.push(src, guest.toString(), "root", TransferProgress.NONE);
            SshAccessTest.assertTreesEqual(src, guest.resolve("tree"));
            Path back = Files.createDirectories(tmp.resolve("back"));
            a.pull(guest.resolve("tree").toString(), back, "root", TransferProgress.NONE);
            SshAccessTest.assertTreesEqual(src, back.resolve("tree"));
            Path one = tmp.resolve("one.bin");
            a.pull(guest.resolve("tree/big.bin").toString(), one, "root", TransferProgress.NONE);
            assertArrayEquals(big, Files.readAllBytes(one));
        }
    }
}
