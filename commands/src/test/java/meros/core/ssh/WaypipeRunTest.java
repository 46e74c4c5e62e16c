package meros.core.ssh;

import meros.core.base.MerosException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * run --gui end to end on this host: a headless weston (Debian package weston) is the "host display",
 * the loopback sshd is the "guest", and weston-info in the guest must see weston's globals through
 * waypipe server → forwarded Unix socket over sshj → waypipe client → weston.
 */
@Tag("sshd")
@Tag("weston")
class WaypipeRunTest {
    static LoopbackSshd sshd;
    static SshAccess ssh;
    static Process weston;
    static Path runtime;
    static final String DISPLAY = "wayland-meros-test";

    @BeforeAll
    static void start() throws Exception {
        for (String tool : new String[] {"/usr/bin/weston", "/usr/bin/waypipe", "/usr/bin/weston-info"}) {
            assertTrue(Files.isExecutable(Path.of(tool)), tool + " missing: install the Debian packages weston and waypipe");
        }
        runtime = Files.createTempDirectory("meros-xdg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder("weston", "--backend=headless-backend.so", "--socket=" + DISPLAY, "--idle-time=0")
                .redirectErrorStream(true).redirectOutput(runtime.resolve("weston.log").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        pb.environment().remove("WAYLAND_DISPLAY");
        weston = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(runtime.resolve(DISPLAY))) {
            if (!weston.isAlive() || System.nanoTime() > deadline) fail("weston did not start: " + Files.readString(runtime.resolve("weston.log")));
            Thread.sleep(50);
        }
        sshd = LoopbackSshd.start();
        ssh = new SshAccess(sshd.target());
    }

    @AfterAll
    static void stop() throws Exception {
        if (ssh != null) ssh.close();
        if (sshd != null) sshd.close();
        if (weston != null) { weston.destroy(); weston.waitFor(5, TimeUnit.SECONDS); weston.destroyForcibly(); }
        if (runtime != null) try (Stream<Path> s = Files.walk(runtime)) { s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
    }

    private Map<String, String> env() { return Map.of("WAYLAND_DISPLAY", DISPLAY, "XDG_RUNTIME_DIR", runtime.toString()); }

    @Test
    void aWaylandClientInTheGuestReachesTheHostCompositorThroughWaypipe() {
        // without waypipe the "guest" has no display at all
        ExecResult bare = ssh.exec("weston-info", Duration.ofSeconds(30));
        assertNotEquals(0, bare.status(), bare.stdout());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        ExecResult r = WaypipeRun.run(ssh, "weston-info; echo \"display=$WAYLAND_DISPLAY\"", out, err, env());
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, r.status(), o + err);
        assertTrue(o.contains("interface: 'wl_compositor'"), o);
        assertTrue(o.contains("display=wayland-"), o);
        assertFalse(ssh.exec("ls /tmp/meros-waypipe-*.sock", Duration.ofSeconds(30)).ok(), "the forwarded socket is gone");
    }

    @Test
    void theRemoteStatusIsTheCommandsStatus() {
        ExecResult r = WaypipeRun.run(ssh, "exit 4", new ByteArrayOutputStream(), new ByteArrayOutputStream(), env());
        assertEquals(4, r.status());
    }

    @Test
    void withoutAWaylandDisplayItSaysSoInOneLine() {
        MerosException e = assertThrows(MerosException.class,
                () -> WaypipeRun.run(ssh, "true", new ByteArrayOutputStream(), new ByteArrayOutputStream(), Map.of()));
        assertEquals("run --gui needs a Wayland display on this host: WAYLAND_DISPLAY is not set", e.getMessage());
        assertEquals("run --gui needs waypipe on this host: not found on PATH (Debian package waypipe)",
                WaypipeRun.hostProblem(Map.of("WAYLAND_DISPLAY", "w", "PATH", "/nonexistent")));
        assertNull(WaypipeRun.hostProblem(Map.of("WAYLAND_DISPLAY", "w", "PATH", "/usr/bin")));
    }
}
