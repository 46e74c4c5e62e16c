package meros.cli;

import meros.core.ssh.FakeGuestAgent;
import meros.core.ssh.FakeHome;
import meros.core.ssh.LoopbackSshd;
import meros.testkit.RecordedVm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/** connect, run, push and pull through the picocli tree against a loopback sshd posing as the VM t/vm. */
@Tag("sshd")
class AccessCommandsTest {
    static LoopbackSshd sshd;
    @TempDir static Path root;
    static FakeHome fake;

    @BeforeAll
    static void start() throws Exception {
        sshd = LoopbackSshd.start();
        fake = new FakeHome(root, sshd);
    }

    @AfterAll
    static void stop() throws IOException {
        if (sshd != null) sshd.close();
    }

    static CliRun exec(String... args) {
        return CliRun.of(fake.home, args);
    }

    @Test
    void runStreamsBothOutputsAndExitsWithTheRemoteStatus() {
        CliRun r = exec("run", "t", "vm", "echo out; echo err >&2; exit 3");
        assertEquals(new CliRun(3, "out\n", "err\n"), r);
    }

    @Test
    void runPassesOptionsAfterTheVmToTheCommand() {
        CliRun r = exec("run", "t", "vm", "echo", "x", "-la", "--gui");
        assertEquals(new CliRun(0, "x -la --gui\n", ""), r);
    }

    @Test
    void runDropsALeadingDoubleDashLikeSsh() {
        assertEquals(new CliRun(0, "a -- b\n", ""), exec("run", "t", "vm", "--", "echo", "a", "--", "b"));
        CliRun r = exec("run", "t", "vm", "--");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required parameter: 'COMMAND'"), r.err());
    }

    @Test
    void runReportsASignal() {
        CliRun r = exec("run", "t", "vm", "kill -TERM $$");
        assertEquals(143, r.code());
        assertEquals("error: killed by signal SIGTERM: kill -TERM $$\n", r.err());
    }

    @Test
    void pushAndPullKeepModesAndSummarise(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tool.sh");
        Files.writeString(f, "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        Path remote = Files.createDirectories(tmp.resolve("guest"));
        CliRun p = exec("push", "t", "vm", f.toString(), remote.toString());
        assertEquals(0, p.code(), p.err());
        assertEquals("pushed " + f + " to t/vm:" + remote + ": 1 file, 20 B in", p.out().substring(0, p.out().indexOf(" s (") - 4));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("tool.sh"))));
        // pull without LOCAL lands in data/shared/t/vm/
        CliRun q = exec("pull", "t", "vm", remote.resolve("tool.sh").toString());
        assertEquals(0, q.code(), q.err());
        Path got = root.resolve("data/shared/t/vm/tool.sh");
        assertEquals("#!/bin/sh\necho tool\n", Files.readString(got));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(got)));
    }

    @Test
    void whenSshCannotReachTheGuestRunPushAndPullUseTheGuestAgentAndSaySo(@TempDir Path tmp) throws Exception {
        int closed;
        try (var s = new ServerSocket(0)) { closed = s.getLocalPort(); }
        // before the agent, meros checks that the VM's QEMU lives: a stand-in process naming its QMP socket
        Process qemu = RecordedVm.runningFake(fake.home, "t", "vm");
        fake.running(closed);
        try (FakeGuestAgent qga = new FakeGuestAgent(fake.stateDir().resolve("qga.sock"))) {
            CliRun r = exec("run", "t", "vm", "echo via-agent; exit 6");
            assertEquals(6, r.code());
            assertEquals("via-agent\n", r.out());
            assertEquals("cannot reach t/vm over SSH at 127.0.0.1:" + closed + ": connection refused; using the QEMU guest agent instead\n", r.err());
            assertTrue(qga.commands.contains("guest-exec"));
            Path f = tmp.resolve("a.txt");
            Files.writeString(f, "agent copy\n");
            Path remote = Files.createDirectories(tmp.resolve("guest"));
            CliRun p = exec("push", "t", "vm", f.toString(), remote.toString());
            assertEquals(0, p.code(), p.err());
            assertTrue(p.err().contains("using the QEMU guest agent instead"), p.err());
            assertEquals("agent copy\n", Files.readString(remote.resolve("a.txt")));
            Path back = tmp.resolve("back.txt");
            CliRun q = exec("pull", "t", "vm", remote.resolve("a.txt").toString(), back.toString());
            assertEquals(0, q.code(), q.err());
            assertEquals("agent copy\n", Files.readString(back));
        } finally {
            qemu.destroyForcibly().waitFor();
            Files.deleteIfExists(fake.stateDir().resolve("qemu.pid"));
            fake.running(sshd.port);
        }
    }

    /** A VM whose QEMU is gone: no fallback to the agent, the error says so. */
    @Test
    void whenSshCannotReachAVmWhoseQemuIsGoneTheErrorSaysSo() throws Exception {
        int closed;
        try (var s = new ServerSocket(0)) { closed = s.getLocalPort(); }
        fake.running(closed);
        try {
            CliRun r = exec("run", "t", "vm", "true");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("error: vm t/vm is not running (crashed"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        } finally {
            fake.running(sshd.port);
        }
    }

    @Test
    void connectWithoutATerminalSaysSo() {
        CliRun r = exec("connect", "t", "vm");
        assertEquals(new CliRun(2, "", "error: connect needs an interactive terminal (run it from a terminal or the meros> shell)\n"), r);
    }

    @Test
    void anUnknownVmOrAStoppedOneIsAOneLineError() throws Exception {
        CliRun r = exec("run", "t", "nope", "true");
        assertEquals(2, r.code());
        assertEquals("error: constellation 't' has no VM 'nope' (have: vm)\n", r.err());
        Path json = fake.stateDir().resolve("vm.json");
        Path saved = json.resolveSibling("vm.json.saved");
        Files.move(json, saved);
        try {
            CliRun s = exec("run", "t", "vm", "true");
            assertEquals(new CliRun(1, "", "error: vm t/vm is not running (stopped); start it with: meros init t\n"), s);
        } finally {
            Files.move(saved, json);
        }
    }

    @Test
    void runWithoutACommandIsAUsageError() {
        CliRun r = exec("run", "t", "vm");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Missing required parameter: 'COMMAND'"), r.err());
    }
}
