package meros.core.ssh;

import meros.core.base.MerosException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** SshAccess against a real OpenSSH sshd on loopback. */
@Tag("sshd")
class SshAccessTest {
    static LoopbackSshd sshd;
    static SshAccess ssh;
    static final Duration T = Duration.ofSeconds(30);

    @BeforeAll
    static void start() throws Exception {
        sshd = LoopbackSshd.start();
        ssh = new SshAccess(sshd.target());
    }

    @AfterAll
    static void stop() throws IOException {
        if (ssh != null) ssh.close();
        if (sshd != null) sshd.close();
    }

    @Test
    void execReturnsStatusAndSeparatesStreams() {
        ExecResult r = ssh.exec("echo out; echo err >&2; exit 7", T);
        assertEquals(7, r.status());
        assertNull(r.signal());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertTrue(ssh.exec("true", T).ok());
    }

    @Test
    void execStreamsOutputLiveBeforeTheCommandEnds() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream sink = new OutputStream() {
            @Override public void write(int b) { seen.write(b); if (b == '\n') first.countDown(); }
            @Override public void write(byte[] b, int o, int l) { for (int i = 0; i < l; i++) write(b[o + i]); }
        };
        Path gate = Files.createTempFile("meros-gate", "");
        Files.delete(gate);
        Thread t = new Thread(() -> ssh.exec("echo first; while [ ! -e " + gate + " ]; do sleep 0.05; done; echo second",
                sink, OutputStream.nullOutputStream(), T));
        t.start();
        try {
            assertTrue(first.await(20, TimeUnit.SECONDS), "first line must arrive while the command still runs");
            assertEquals("first\n", seen.toString(StandardCharsets.UTF_8));
        } finally {
            Files.createFile(gate);
            t.join(20000);
            Files.deleteIfExists(gate);
        }
        assertEquals("first\nsecond\n", seen.toString(StandardCharsets.UTF_8));
    }

    @Test
    void commandKilledBySignalReportsTheSignal() {
        ExecResult r = ssh.exec("kill -9 $$", T);
        assertNull(r.status());
        assertEquals("KILL", r.signal());
        assertEquals(137, r.code());
        assertEquals("killed by signal SIGKILL", r.describe());
    }

    @Test
    void commandsWithQuotesDollarsAndNewlinesArriveVerbatim() {
        String tricky = "it's \"quoted\" $HOME `x` \\ back\nsecond line; | & > <";
        ExecResult r = ssh.exec("printf '%s' " + ShellQuote.quote(tricky), T);
        assertEquals(0, r.status(), r.stderr());
        assertEquals(tricky, r.stdout());
        // the whole command runs with /bin/sh: multi-line scripts and shell syntax work
        ExecResult multi = ssh.exec("x='a b'\nfor w in $x; do echo \"[$w]\"; done\necho \"$0\"", T);
        assertEquals("[a]\n[b]\n/bin/sh\n", multi.stdout());
    }

    @Test
    void connectionIsReused() {
        ssh.exec("true", T);
        var c = ssh.client();
        for (int i = 0; i < 5; i++) ssh.exec("true", T);
        assertSame(c, ssh.client());
    }

    @Test
    void reconnectsAfterTheConnectionDropped() throws IOException {
        try (SshAccess own = new SshAccess(sshd.target())) {
            assertEquals("1\n", own.exec("echo 1", T).stdout());
            var first = own.client();
            first.disconnect();
            assertEquals("2\n", own.exec("echo 2", T).stdout());
            assertNotSame(first, own.client());
        }
    }

    @Test
    void aDifferentHostKeyIsRefusedNamingBothFingerprints(@TempDir Path tmp) throws Exception {
        Path other = tmp.resolve("other");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()).start().waitFor();
        Path recorded = Path.of(other + ".pub");
        String expected = HostKeys.read(recorded).fingerprint();
        String offered = HostKeys.read(Path.of(sshd.hostKey + ".pub")).fingerprint();
        try (SshAccess wrong = new SshAccess(sshd.target(recorded))) {
            SshAccess.HostKeyMismatch e = assertThrows(SshAccess.HostKeyMismatch.class, () -> wrong.exec("true", T));
            assertTrue(e.getMessage().contains("expected ssh-ed25519 " + expected), e.getMessage());
            assertTrue(e.getMessage().contains("offered ssh-ed25519 " + offered), e.getMessage());
            assertTrue(e.getMessage().contains("refusing"), e.getMessage());
            assertFalse(wrong.isConnected());
        }
    }

    @Test
    void keysSavedWithBomAndCrlfStillWork(@TempDir Path tmp) throws Exception {
        Path key = tmp.resolve("id_ed25519");
        Path hostPub = tmp.resolve("host.pub");
        Files.writeString(key, "\uFEFF" + Files.readString(sshd.clientKey).replace("\n", "\r\n"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(hostPub, "\uFEFF" + Files.readString(Path.of(sshd.hostKey + ".pub")).replace("\n", "\r\n"));
        assertEquals(HostKeys.read(Path.of(sshd.hostKey + ".pub")).fingerprint(), HostKeys.read(hostPub).fingerprint());
        SshTarget t = sshd.target(hostPub);
        try (SshAccess own = new SshAccess(new SshTarget(t.label(), t.host(), t.port(), t.user(), key, hostPub))) {
            assertEquals("ok\n", own.exec("echo ok", T).stdout());
        }
    }

    @Test
    void fingerprintMatchesSshKeygen() throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-f", sshd.hostKey + ".pub").start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(line.contains(HostKeys.read(Path.of(sshd.hostKey + ".pub")).fingerprint()), line);
    }

    @Test
    void unreachablePortIsReportedAsUnreachable() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) { port = s.getLocalPort(); }
        SshTarget t = sshd.target();
        SshTarget closed = new SshTarget(t.label(), t.host(), port, t.user(), t.clientKey(), t.hostKey());
        try (SshAccess a = new SshAccess(closed)) {
            SshAccess.Unreachable e = assertThrows(SshAccess.Unreachable.class, () -> a.exec("true", T));
            assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        }
    }

    @Test
    void pushAndPullRoundTripADirectoryByteForByteWithModes(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("tree");
        Files.createDirectories(src.resolve("sub/deeper"));
        Random rnd = new Random(42);
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        rnd.nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve("script.sh"), "#!/bin/sh\necho hi\n");
        Files.writeString(src.resolve("sub/secret"), "s3cret");
        Files.write(src.resolve("sub/deeper/empty"), new byte[0]);
        Files.setPosixFilePermissions(src.resolve("script.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("sub/secret"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(src.resolve("sub/deeper"), PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(src.resolve("big.bin"), PosixFilePermissions.fromString("rw-rw-r--"));

        Path remote = tmp.resolve("remote");   // the loopback "guest" shares this filesystem
        List<String> progress = new ArrayList<>();
        ssh.push(src, remote.toString(), (f, done, total) -> { if (done == total) progress.add(f); });
        assertTrue(progress.contains("tree/big.bin") || progress.contains("big.bin"), progress.toString());
        assertTreesEqual(src, remote);
        assertEquals("rwxr-x---", modeOf(remote.resolve("script.sh")));

        Path back = tmp.resolve("back");
        Files.createDirectories(back);
        ssh.pull(remote.toString(), back, TransferProgress.NONE);
        assertTreesEqual(src, back.resolve("remote"));
    }

    @Test
    void pushIntoAnExistingDirectoryAndPullAFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("one.txt");
        Files.writeString(f, "one\n");
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        ssh.push(f, dest.toString(), TransferProgress.NONE);
        assertEquals("one\n", Files.readString(dest.resolve("one.txt")));
        Path got = tmp.resolve("got.txt");
        ssh.pull(dest.resolve("one.txt").toString(), got, TransferProgress.NONE);
        assertEquals("one\n", Files.readString(got));
        MerosException e = assertThrows(MerosException.class, () -> ssh.pull(tmp.resolve("nope").toString(), got, TransferProgress.NONE));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        // a local directory that does not exist: the reason, not only the path again
        Path nowhere = tmp.resolve("no-such-dir/got.txt");
        e = assertThrows(MerosException.class, () -> ssh.pull(dest.resolve("one.txt").toString(), nowhere, TransferProgress.NONE));
        assertTrue(e.getMessage().endsWith(" to " + nowhere + " failed: No such file or directory"), e.getMessage());
    }

    @Test
    void aDirectoryPushedIntoAnExistingDirectoryLandsInsideIt(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("payload/bin"));
        Files.writeString(src.resolve("tool"), "x");
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        ssh.push(tmp.resolve("payload"), shared + "/", TransferProgress.NONE);
        assertEquals("x", Files.readString(shared.resolve("payload/bin/tool")));
        Path again = Files.createDirectories(tmp.resolve("again"));
        ssh.push(tmp.resolve("payload"), again.toString(), TransferProgress.NONE);
        assertEquals("x", Files.readString(again.resolve("payload/bin/tool")));
    }

    static String modeOf(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static void assertTreesEqual(Path a, Path b) throws IOException {
        List<Path> left = list(a);
        List<Path> right = list(b);
        assertEquals(left, right, "same entries");
        for (Path rel : left) {
            Path x = a.resolve(rel), y = b.resolve(rel);
            assertEquals(Files.isDirectory(x), Files.isDirectory(y), rel.toString());
            assertEquals(modeOf(x), modeOf(y), "mode of " + rel);
            if (Files.isRegularFile(x)) assertArrayEquals(Files.readAllBytes(x), Files.readAllBytes(y), "bytes of " + rel);
        }
    }

    private static List<Path> list(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(root::relativize).sorted().toList();
        }
    }
}
