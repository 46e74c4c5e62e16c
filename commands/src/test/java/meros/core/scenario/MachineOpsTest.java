package meros.core.scenario;

import meros.core.Machine;
import meros.core.Meros;
import meros.core.base.MerosException;
import meros.core.ssh.FakeHome;
import meros.core.ssh.LoopbackSshd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** The scenario API on a Machine handle whose "guest" is a loopback sshd (QMP parts are covered end to end). */
@Tag("sshd")
class MachineOpsTest {
    static LoopbackSshd sshd;
    @TempDir static Path root;
    static FakeHome fake;
    static Machine vm;

    @BeforeAll
    static void start() throws Exception {
        sshd = LoopbackSshd.start();
        fake = new FakeHome(root, sshd);
        vm = new Meros(fake.home).constellation("t").vm("vm");
    }

    @AfterAll
    static void stop() throws IOException {
        if (vm != null) vm.close();
        if (sshd != null) sshd.close();
    }

    @Test
    void succeedReturnsStdoutAndFailureNamesStatusCommandAndStderr() {
        assertEquals("hello\n", vm.succeed("echo hello"));
        MerosException e = assertThrows(MerosException.class, () -> vm.succeed("echo bad >&2; exit 4"));
        assertEquals("t/vm: command failed with exit status 4: echo bad >&2; exit 4\nstderr:\n  bad", e.getMessage());
    }

    @Test
    void failRequiresFailure() {
        assertEquals("nope\n", vm.fail("echo nope >&2; false"));
        MerosException e = assertThrows(MerosException.class, () -> vm.fail("echo fine"));
        assertEquals("t/vm: command succeeded but was expected to fail: echo fine\nstdout:\n  fine", e.getMessage());
    }

    @Test
    void executeGivesStatusAndBothOutputs() {
        var r = vm.execute("echo o; echo e >&2; exit 2");
        assertEquals(2, r.status());
        assertEquals("o\n", r.stdout());
        assertEquals("e\n", r.stderr());
    }

    @Test
    void waitsSucceedOnceTheConditionHolds(@TempDir Path tmp) throws Exception {
        Path flag = tmp.resolve("flag");
        Thread t = new Thread(() -> {
            try { Thread.sleep(1500); Files.writeString(flag, "x"); } catch (Exception ignored) { }
        });
        t.start();
        vm.waitForFile(flag.toString(), Duration.ofSeconds(30));
        assertEquals("x", vm.waitUntilSucceeds("cat " + flag, Duration.ofSeconds(10)));
        vm.waitUntilFails("test -e " + tmp.resolve("never"), Duration.ofSeconds(10));
        vm.waitForOpenPort(sshd.port, Duration.ofSeconds(10));
        t.join();
    }

    @Test
    void anExpiredWaitSaysWhatItWaitedForAndShowsTheLastSerialLines() throws Exception {
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 30; i++) log.append("boot line ").append(i).append("\r\n");
        Files.writeString(fake.stateDir().resolve("serial.log"), log);
        MerosException e = assertThrows(MerosException.class, () -> vm.waitUntilSucceeds("false", Duration.ofSeconds(2)));
        String m = e.getMessage();
        assertTrue(m.startsWith("t/vm: gave up after 2 s"), m);
        assertTrue(m.contains(" waiting for 'false' to succeed; last saw: exit status 1"), m);
        assertTrue(m.contains("\nlast serial lines of t/vm:\n  boot line 16\n"), m);
        assertTrue(m.endsWith("  boot line 30"), m);
        assertFalse(m.contains("boot line 15\n"), m);
        MerosException p = assertThrows(MerosException.class, () -> vm.waitForOpenPort(1, Duration.ofSeconds(1)));
        assertTrue(p.getMessage().startsWith("t/vm: gave up after 1 s waiting for TCP port 1 to be listened on"), p.getMessage());
    }

    @Test
    void consoleTextIsFoundOnceAndLaterWaitsLookAfterThePreviousMatch() throws Exception {
        Path serial = fake.stateDir().resolve("serial.log");
        Files.writeString(serial, "kernel\nlogin: \n");
        Machine own = new Meros(fake.home).constellation("t").vm("vm");
        assertEquals("login:", own.waitForConsoleText("log[a-z]+:", Duration.ofSeconds(5)));
        Thread t = new Thread(() -> {
            try { Thread.sleep(800); Files.writeString(serial, "kernel\nlogin: \nreboot\nlogin: \n"); } catch (Exception ignored) { }
        });
        t.start();
        long t0 = System.nanoTime();
        own.waitForConsoleText("login:", Duration.ofSeconds(10));
        assertTrue(System.nanoTime() - t0 > 500_000_000L, "the second wait needed the second login prompt");
        t.join();
        MerosException e = assertThrows(MerosException.class, () -> own.waitForConsoleText("login:", Duration.ofMillis(500)));
        assertTrue(e.getMessage().startsWith("t/vm: gave up after 0.5 s waiting for console text /login:/"), e.getMessage());
    }

    @Test
    void handlesCloseTheirConnectionsWhenClosedOrDroppedFromTheManifest() throws Exception {
        Meros own = new Meros(fake.home);
        Machine m = own.constellation("t").vm("vm");
        m.succeed("true");
        var ssh = m.plumbing().access().ssh(null);
        assertTrue(ssh.isConnected());
        own.close();
        assertFalse(ssh.isConnected(), "Meros.close closes its handles' connections");
        assertEquals("again\n", m.succeed("echo again"), "a closed handle reconnects on its next use");
        var again = m.plumbing().access().ssh(null);
        assertTrue(again.isConnected());
        Path yml = fake.home.constellations().resolve("t/t.yml");
        String before = Files.readString(yml);
        try {
            Files.writeString(yml, before.replace("  vm:", "  other:"));
            own.constellation("t");
            assertFalse(again.isConnected(), "refresh closes the handle of a VM the manifest dropped");
        } finally {
            Files.writeString(yml, before);
        }
    }

    @Test
    void aCommandThatBackgroundsAProcessReturnsWhenTheShellExits() {
        long t0 = System.nanoTime();
        String pid = vm.succeed("sleep 937 & echo $!").strip();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        try {
            assertTrue(ms < 5000, "returned in " + ms + " ms");
            assertTrue(pid.matches("\\d+"), pid);
            assertEquals(0, vm.execute("kill -0 " + pid).status(), "the background process keeps running");
        } finally {
            vm.execute("kill " + pid);
        }
    }

    @Test
    void outputTrailingTheExitWithinTheGraceIsKeptAndFastCommandsStayFast() {
        assertEquals("a\nb\n", vm.succeed("echo a; (sleep 0.3; echo b) &"));
        assertEquals("x\n", vm.succeed("echo x; sleep 900 >/dev/null 2>&1 </dev/null & kill $!"));
    }

    @Test
    void aSilentCommandStillEndsAtItsDeadline() {
        long t0 = System.nanoTime();
        MerosException e = assertThrows(MerosException.class,
                () -> vm.plumbing().access().run("sleep 30", "root", null, null, Duration.ofMillis(500), s -> { }));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "ended after " + ms + " ms");
        assertEquals("timed out after 0.5 s: 'sleep 30' on t/vm", e.getMessage());
    }

    @Test
    void copyToAndFromKeepContent(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("data.txt");
        Files.writeString(f, "payload");
        Path remote = Files.createDirectories(tmp.resolve("guest"));
        vm.push(f, remote.toString());
        assertEquals("payload", vm.succeed("cat " + remote.resolve("data.txt")));
        Path back = tmp.resolve("back.txt");
        vm.pull(remote.resolve("data.txt").toString(), back);
        assertEquals("payload", Files.readString(back));
    }

    @Test
    void blockNeedsManifestNics() {
        MerosException e = assertThrows(MerosException.class, () -> vm.block());
        assertEquals("t/vm has no manifest NICs to block", e.getMessage());
    }
}
