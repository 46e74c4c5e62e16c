package meros.shell;

import meros.core.Meros;
import meros.core.base.Home;
import meros.core.proc.Proc;
import meros.core.ssh.ShellQuote;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static meros.shell.AccessE2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * connect, run, push and pull against the real demo VM (user-mode networking: SSH on a loopback port, no bridges,
 * so no namespace is needed): a PTY session driven through tmux, exit statuses and live streaming, a directory
 * round trip, a changed host key refused, and the guest-agent fallback with the guest's NIC down.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessDemoE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25); // includes building the disk on a fresh checkout
    static final Duration T = Duration.ofMinutes(3);
    static Path home;

    @BeforeAll
    static void boot() {
        requireTools("qemu-system-x86_64", "qemu-img", "mmdebstrap", "tmux", "ssh-keygen");
        home = checkout();
        merosOk(home, null, BOOT, "init", "demo");
    }

    @AfterAll
    static void down() {
        if (home == null) return;
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    @Test
    @Order(1)
    void runReturnsTheRemoteStatusAndStreamsLive() {
        Proc.Result r = meros(home, null, T, "run", "demo", "box", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.exit(), r.stderr());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("box\n", merosOk(home, null, T, "run", "demo", "box", "hostname").stdout());
        assertEquals("debian\n", merosOk(home, null, T, "run", "demo", "box", "id", "-un").stdout());
        assertEquals("root\n", merosOk(home, null, T, "run", "-u", "root", "demo", "box", "id -un").stdout());
        // live: the first line arrives while the command still sleeps
        List<Long> at = new CopyOnWriteArrayList<>();
        Proc.Result s = meros(home, null, T, l -> { if (l.startsWith("line")) at.add(System.nanoTime()); },
                "run", "demo", "box", "echo line1; sleep 6; echo line2");
        assertEquals(0, s.exit(), s.stderr());
        assertEquals(2, at.size());
        // (6 s apart in the guest; a loaded TCG guest may deliver line1 late, but not 4 s late)
        assertTrue(at.get(1) - at.get(0) >= TimeUnit.MILLISECONDS.toNanos(2000),
                "line1 came only " + (at.get(1) - at.get(0)) / 1_000_000 + " ms before line2: not streamed");
    }

    @Test
    @Order(2)
    void pushAndPullADirectoryByteForByteWithModes(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("payload");
        Files.createDirectories(src.resolve("bin"));
        byte[] big = new byte[5 * 1024 * 1024 + 3];
        new Random(5).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve("bin/tool"), "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(src.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("big.bin"), PosixFilePermissions.fromString("rw-r-----"));
        Proc.Result p = meros(home, null, T, "push", "demo", "box", src.toString());
        assertEquals(0, p.exit(), p.stderr());
        assertTrue(p.stdout().startsWith("pushed " + src + " to demo/box:~/shared/: 2 files"), p.stdout());
        assertEquals("rwxr-x---\n", merosOk(home, null, T, "run", "demo", "box", "stat -c %A shared/payload/bin/tool | cut -c2-").stdout());
        assertEquals("#!/bin/sh\necho tool\n", merosOk(home, null, T, "run", "demo", "box", "cat ~/shared/payload/bin/tool").stdout());
        Path back = Files.createDirectories(tmp.resolve("back"));
        Proc.Result q = meros(home, null, T, "pull", "demo", "box", "shared/payload", back.toString());
        assertEquals(0, q.exit(), q.stderr());
        assertTreesEqual(src, back.resolve("payload"));
    }

    @Test
    @Order(3)
    void aChangedHostKeyIsRefusedSayingWhatWasExpectedAndOffered(@TempDir Path tmp) throws Exception {
        Path recorded = home.resolve("data/keys/demo/box/ssh_host_ed25519_key.pub");
        Path saved = tmp.resolve("saved.pub");
        Files.copy(recorded, saved);
        Path other = tmp.resolve("other");
        Proc.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()).run();
        try {
            Files.copy(Path.of(other + ".pub"), recorded, StandardCopyOption.REPLACE_EXISTING);
            Proc.Result r = meros(home, null, T, "run", "demo", "box", "true");
            assertEquals(1, r.exit());
            String expected = Proc.of("ssh-keygen", "-l", "-f", other + ".pub").output().split(" ")[1];
            String offered = Proc.of("ssh-keygen", "-l", "-f", saved.toString()).output().split(" ")[1];
            assertTrue(r.stderr().contains("does not match the key recorded at build time: expected ssh-ed25519 " + expected), r.stderr());
            assertTrue(r.stderr().contains("offered ssh-ed25519 " + offered + "; refusing to connect"), r.stderr());
            assertFalse(r.stderr().contains("guest agent"), "a key mismatch must not fall back: " + r.stderr());
        } finally {
            Files.copy(saved, recorded, StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(0, meros(home, null, T, "run", "demo", "box", "true").exit());
    }

    @Test
    @Order(4)
    void connectThroughAPseudoTerminalAndBackToTheShell() throws Exception {
        String server = "meros-t-acc-" + ProcessHandle.current().pid();
        String cmd = String.join(" ", mainArgv(home, null).stream().map(ShellQuote::quote).toList());
        try {
            Proc.of("tmux", "-L", server, "new-session", "-d", "-s", "acc", "-x", "120", "-y", "40", cmd)
                    .timeout(Duration.ofSeconds(30)).run();
            int at = await(server, "meros> ", 0, Duration.ofSeconds(60));
            keys(server, "connect demo box", "Enter");
            at = await(server, "$ ", at, Duration.ofSeconds(60));
            keys(server, "echo \"pty-$((6*7))\"; stty size; tty", "Enter");
            at = await(server, "pty-42", at, Duration.ofSeconds(30));
            at = await(server, "40 120", at, Duration.ofSeconds(30));
            at = await(server, "/dev/pts/", at, Duration.ofSeconds(30));
            Proc.of("tmux", "-L", server, "resize-window", "-t", "acc", "-x", "100", "-y", "30").timeout(Duration.ofSeconds(10)).run();
            Thread.sleep(500);
            keys(server, "stty size", "Enter");
            at = await(server, "30 100", at, Duration.ofSeconds(30));
            // Ctrl-C reaches the guest's foreground job ("done-5" only comes once the shell runs the next line)
            keys(server, "sleep 120; echo not-interrupted", "Enter");
            Thread.sleep(1000);
            keys(server, "C-c");
            keys(server, "echo \"done-$((2+3))\"", "Enter");
            at = await(server, "done-5", at, Duration.ofSeconds(30));
            keys(server, "exit", "Enter");
            at = await(server, "meros> ", at, Duration.ofSeconds(30));
            assertFalse(pane(server).matches("(?s).*\\nnot-interrupted.*"), "sleep ran to its end: " + pane(server));
            keys(server, "list", "Enter");
            await(server, "demo", at, Duration.ofSeconds(30)); // the meros> shell works again
            keys(server, "exit", "Enter");
        } finally {
            Proc.of("tmux", "-L", server, "kill-server").timeout(Duration.ofSeconds(10)).call();
        }
    }

    @Test
    @Order(5)
    void withTheGuestNicDownRunPushAndPullGoThroughTheGuestAgent(@TempDir Path tmp) throws Exception {
        // take the management NIC down a second after the command returned (else its own reply would be lost)
        merosOk(home, null, T, "run", "-u", "root", "demo", "box",
                "dev=$(ip -o route show default | awk '{print $5}'); (sleep 1; ip link set \"$dev\" down) >/dev/null 2>&1 </dev/null &");
        Thread.sleep(3000);
        try {
            Proc.Result r = meros(home, null, Duration.ofMinutes(2), "run", "demo", "box", "echo via-agent; id -un; exit 4");
            assertEquals(4, r.exit(), r.stderr());
            assertEquals("via-agent\ndebian\n", r.stdout());
            assertTrue(r.stderr().matches("(?s)cannot reach demo/box over SSH at 127\\.0\\.0\\.1:\\d+: .*; using the QEMU guest agent instead\n"), r.stderr());
            Path f = tmp.resolve("note.txt");
            Files.writeString(f, "written while the network was down\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
            Proc.Result p = meros(home, null, Duration.ofMinutes(2), "push", "demo", "box", f.toString());
            assertEquals(0, p.exit(), p.stderr());
            assertTrue(p.stderr().contains("using the QEMU guest agent instead"), p.stderr());
            Path back = Files.createDirectories(tmp.resolve("back"));
            Proc.Result q = meros(home, null, Duration.ofMinutes(2), "pull", "demo", "box", "~/shared/note.txt", back.toString());
            assertEquals(0, q.exit(), q.stderr());
            assertEquals("written while the network was down\n", Files.readString(back.resolve("note.txt")));
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("note.txt"))));
            assertEquals("debian\n", merosOk(home, null, Duration.ofMinutes(2), "run", "-u", "root", "demo", "box",
                    "stat -c %U ~debian/shared/note.txt").stdout());
        } finally {
            meros(home, null, Duration.ofMinutes(2), "run", "-u", "root", "demo", "box",
                    "ip link set \"$(ls /sys/class/net | grep -v '^lo$' | head -n1)\" up");
        }
    }

    @Test
    @Order(6)
    void inTheShellTabCompletesQmpCommandNamesFromTheRunningVm(@TempDir Path tmp) throws Exception {
        ShellFixture fx = new ShellFixture(new Meros(new Home(home)), tmp.resolve("history"));
        // query-st alone is ambiguous on a real QEMU (query-stats, query-stats-schemas, query-status)
        String out = fx.repl("qmp demo box query-statu\t\n").replace("\u0007", "");
        assertTrue(out.contains("meros> qmp demo box query-status"), out);
        assertTrue(out.contains("\"status\" : \"running\""), out);
    }

    /** Last: it kills demo's QEMU (down() copes with a crashed VM). */
    @Test
    @Order(100)
    void theShellNoticesWhenTheQemuOfAVmItTouchedDies(@TempDir Path tmp) throws Exception {
        ShellFixture fx = new ShellFixture(new Meros(new Home(home)), tmp.resolve("history"));
        long pid = fx.meros.constellation("demo").vm("box").plumbing().runtime().livePid().orElseThrow();
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 4096);
        String out = fx.repl(in, false, (t, screen) -> {
            try {
                keys.write("qmp demo box query-status\n".getBytes(StandardCharsets.UTF_8));
                keys.flush();
                // the shell follows the VM right after the command, before it draws the next prompt
                for (int i = 0; i < 1200 && !promptAfter(screen.toString(StandardCharsets.UTF_8), "\"running\""); i++) Thread.sleep(50);
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // kill -9
                for (int i = 0; i < 1200 && !screen.toString(StandardCharsets.UTF_8).contains("went away"); i++) Thread.sleep(50);
                keys.write("list\n".getBytes(StandardCharsets.UTF_8));
                keys.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(out.contains("meros: vm demo/box: QEMU went away (crashed: QEMU process " + pid + " is gone without a shutdown)"), out);
        assertTrue(out.indexOf("went away") < out.lastIndexOf("demo\n"), "the shell goes on after the notice:\n" + out);
    }

    // ------------------------------------------------------------ helpers

    static boolean promptAfter(String screen, String text) {
        int i = screen.indexOf(text);
        return i >= 0 && screen.indexOf(Repl.PROMPT, i) >= 0;
    }

    static void keys(String server, String... keys) {
        List<String> a = new ArrayList<>(List.of("tmux", "-L", server, "send-keys", "-t", "acc"));
        a.addAll(List.of(keys));
        Proc.of(a).timeout(Duration.ofSeconds(10)).run();
    }

    static String pane(String server) {
        return Proc.of("tmux", "-L", server, "capture-pane", "-p", "-J", "-t", "acc", "-S", "-2000").timeout(Duration.ofSeconds(10)).call().stdout();
    }

    /** Waits until the pane shows {@code text} after offset {@code from}; returns the offset after it. */
    static int await(String server, String text, int from, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String p = "";
        while (System.nanoTime() < deadline) {
            p = pane(server);
            int i = p.indexOf(text, Math.min(from, p.length()));
            if (i >= 0) return i + text.length();
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' on the terminal within " + timeout.toSeconds() + " s:\n" + p);
    }

    static void assertTreesEqual(Path a, Path b) throws Exception {
        List<Path> left, right;
        try (Stream<Path> s = Files.walk(a)) { left = s.map(a::relativize).sorted(Comparator.naturalOrder()).toList(); }
        try (Stream<Path> s = Files.walk(b)) { right = s.map(b::relativize).sorted(Comparator.naturalOrder()).toList(); }
        assertEquals(left, right);
        for (Path rel : left) {
            Path x = a.resolve(rel), y = b.resolve(rel);
            assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(x)),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(y)), "mode of " + rel);
            if (Files.isRegularFile(x)) assertEquals(-1, Files.mismatch(x, y), "bytes of " + rel);
        }
    }
}
