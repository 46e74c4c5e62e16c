package meros.e2e;

import meros.core.base.Home;
import meros.core.Machine;
import meros.core.Meros;
import meros.core.base.MerosException;
import meros.core.proc.Proc;
import meros.core.proc.Processes;
import meros.core.host.Privileges;
import meros.core.qemu.Shares;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code mounts:} and {@code forwards:} on one booted VM in user-mode networking (TCG, loopback only): a read-write
 * mount both ways, a read-only one refusing writes, the manifest forward, {@code forward} and {@code forwardPort}
 * on the running VM, and what {@code shutdown} leaves (nothing). As root, mounts go over virtiofs.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharingE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    static final Duration GUEST_WAIT = Duration.ofSeconds(60);
    final String C = constellation();
    final Path checkout = checkout();
    Path home;
    Path rw;
    Path ro;
    int manifestPort;
    int cliPort;
    int apiPort;
    Machine box;

    /** The constellation this class boots (a subclass boots its own). */
    String constellation() { return "t14share"; }

    /** The transport forced through MEROS_MOUNT_TRANSPORT, or null for the automatic choice. */
    String forcedTransport() { return null; }

    String expectedTransport() {
        return forcedTransport() != null ? forcedTransport() : Privileges.isRoot() ? "virtiofs" : "9p";
    }

    @BeforeAll
    void boot() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "mmdebstrap");
        home = Files.createTempDirectory("meros-t14-home");
        Files.createDirectories(home.resolve("data"));
        // share the checkout's bootstrap cache: the base root is built once for all tests
        Files.createSymbolicLink(home.resolve("data/cache"), Files.createDirectories(checkout.resolve("data/cache")));
        Path dir = Files.createDirectories(home.resolve("constellations").resolve(C));
        rw = Files.createDirectories(dir.resolve("rw"));
        ro = Files.createDirectories(dir.resolve("ro"));
        Files.writeString(ro.resolve("fixed.txt"), "read me\n");
        manifestPort = freePort();
        Files.writeString(dir.resolve(C + ".yml"), """
                virtual_machines:
                  box:
                    network: user
                    accel: tcg
                    memory: 1024
                    cpus: 2
                    boot_timeout: 900
                    mounts:
                      - {source: rw, target: /mnt/rw}
                      - {source: ro, target: /mnt/ro, readonly: true}
                    forwards:
                      - {host: %d, guest: 8000}
                """.formatted(manifestPort));
        List<String> argv = new ArrayList<>(List.of("env", Shares.FORCE_ENV + "=" + (forcedTransport() == null ? "" : forcedTransport()),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + home, "-Dpicocli.ansi=false",
                "-cp", System.getProperty("java.class.path"), CliMain.class.getName(), "init", C));
        var r = Proc.of(argv).timeout(BOOT).onLine(l -> System.out.println("  meros init| " + l)).call();
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        String init = r.stdout();
        assertTrue(init.contains("box: ready in "), init);
        box = new Meros(new Home(home)).constellation(C).vm("box");
    }

    @AfterAll
    void cleanup() throws Exception {
        if (home == null) return;
        meros(home, null, Duration.ofMinutes(3), "shutdown", C, "--timeout", "5");
        killQemuUnder(home.resolve("data/state").resolve(C));
        Files.delete(home.resolve("data/cache")); // the link to the checkout's cache, not the cache
        try (var all = Files.walk(home)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A one-line TCP service in the guest: every connection gets {@code text}. */
    void serve(int guestPort, String text) {
        box.succeed("systemd-run --unit t14-echo-" + guestPort + " systemd-socket-activate -l " + guestPort
                + " -a --inetd echo " + text);
        box.waitForOpenPort(guestPort, GUEST_WAIT);
    }

    /** The first line a loopback host port answers, retried until the deadline (the forward is in place at once). */
    static String firstLine(int port) throws Exception {
        long deadline = System.nanoTime() + GUEST_WAIT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10000);
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                if (line != null) return line;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("127.0.0.1:" + port + " never answered a line within " + GUEST_WAIT.toSeconds() + " s", last);
    }

    @Test
    @Order(1)
    void infoListsTheMountsWithTheirTransportAndTheForward() {
        String info = merosOk(home, null, Duration.ofMinutes(1), "info", C).stdout();
        String transport = expectedTransport();
        assertTrue(info.matches("(?s).*\nMOUNT +SOURCE +TARGET +MODE +TRANSPORT\nbox +rw +/mnt/rw +rw +" + transport
                + "\nbox +ro +/mnt/ro +ro +" + transport + "\n.*"), info);
        assertTrue(info.matches("(?s).*\nbox +tcp +127\\.0\\.0\\.1:" + manifestPort + " +8000 +hostfwd +manifest.*"), info);
    }

    @Test
    @Order(2)
    void readWriteMountCarriesFilesBothWaysWithModesKept() throws Exception {
        Path f = rw.resolve("from-host.txt");
        Files.writeString(f, "hello from the host\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("hello from the host", box.waitUntilSucceeds("cat /mnt/rw/from-host.txt", GUEST_WAIT).strip());
        assertEquals("640 0 0", box.succeed("stat -c '%a %u %g' /mnt/rw/from-host.txt").strip());

        box.succeed("echo 'hello from the guest' > /mnt/rw/from-guest.txt && chmod 600 /mnt/rw/from-guest.txt && sync");
        Path g = rw.resolve("from-guest.txt");
        assertEquals("hello from the guest\n", Files.readString(g));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(g)));
        assertEquals(0, ((Number) Files.getAttribute(g, "unix:uid")).intValue(), "guest root writes as host root (virtiofsd or QEMU run as root)");
        box.succeed("mkdir -p /mnt/rw/sub/deeper && echo x > /mnt/rw/sub/deeper/y");
        assertEquals("x\n", Files.readString(rw.resolve("sub/deeper/y")));
    }

    @Test
    @Order(3)
    void readOnlyMountIsReadableAndRefusesWrites() {
        assertEquals("read me", box.succeed("cat /mnt/ro/fixed.txt").strip());
        String err = box.fail("echo no > /mnt/ro/new.txt").strip(); // fail() returns stderr
        assertTrue(err.contains("Read-only file system"), err);
        assertFalse(Files.exists(ro.resolve("new.txt")));
        String options = box.succeed("findmnt -no FSTYPE,OPTIONS /mnt/ro").strip();
        assertTrue(options.matches(expectedTransport() + " +ro,.*"), options);
    }

    @Test
    @Order(4)
    void theManifestForwardReachesAGuestService() throws Exception {
        serve(8000, "t14-manifest");
        assertEquals("t14-manifest", firstLine(manifestPort));
    }

    @Test
    @Order(5)
    void forwardCommandAndForwardPortAddForwardsToTheRunningVm() throws Exception {
        serve(8001, "t14-cli");
        serve(8002, "t14-api");
        cliPort = freePort();
        String out = merosOk(home, null, Duration.ofMinutes(1), "forward", C, "box", cliPort + ":8001").stdout();
        assertEquals(C + "/box: forwarding tcp 127.0.0.1:" + cliPort + " -> 8001", out.strip());
        assertEquals("t14-cli", firstLine(cliPort));

        apiPort = freePort();
        box.forwardPort(apiPort, 8002);
        assertEquals("t14-api", firstLine(apiPort));

        // taken ports are refused with the owner named
        MerosException taken = assertThrows(MerosException.class, () -> box.forwardPort(apiPort, 8003));
        assertTrue(taken.getMessage().contains("host port tcp 127.0.0.1:" + apiPort + " is already "), taken.getMessage());
        var again = meros(home, null, Duration.ofMinutes(1), "forward", C, "box", manifestPort + ":8003");
        assertEquals(2, again.exit(), again.stdout() + again.stderr());
        assertTrue(again.stderr().contains("is already"), again.stderr());
        var bad = meros(home, null, Duration.ofMinutes(1), "forward", C, "box", "99999:80");
        assertEquals(2, bad.exit());
        assertEquals("error: '99999' in '99999:80' is not a port (1..65535)", bad.stderr().strip());

        String info = merosOk(home, null, Duration.ofMinutes(1), "info", C).stdout();
        assertTrue(info.matches("(?s).*\nbox +tcp +127\\.0\\.0\\.1:" + cliPort + " +8001 +hostfwd +live.*"), info);
        assertTrue(info.matches("(?s).*\nbox +tcp +127\\.0\\.0\\.1:" + apiPort + " +8002 +hostfwd +live.*"), info);
    }

    @Test
    @Order(6)
    void anotherConstellationCannotTakeTheForwardedPort() throws Exception {
        Path other = Files.createDirectories(home.resolve("constellations/t14other"));
        Files.writeString(other.resolve("t14other.yml"), """
                virtual_machines:
                  box:
                    network: user
                    accel: tcg
                    forwards:
                      - {host: %d, guest: 22}
                """.formatted(manifestPort));
        var r = meros(home, null, Duration.ofMinutes(2), "init", "t14other");
        assertEquals(2, r.exit(), r.stdout() + r.stderr());
        assertEquals("error: vm box forward tcp 127.0.0.1:" + manifestPort + " -> 22: host port tcp 127.0.0.1:" + manifestPort
                + " is already forwarded by constellation '" + C + "' (vm box, to guest port 8000)", r.stderr().strip());
        assertFalse(Files.exists(home.resolve("data/state/t14other/box/qemu.pid")));
    }

    @Test
    @Order(7)
    void shutdownFreesThePortsAndStopsTheFileServers() throws Exception {
        Path vmState = home.resolve("data/state").resolve(C).resolve("box");
        List<String> sockets = List.of(vmState.resolve("vfs-meros0.sock").toString(), vmState.resolve("vfs-meros1.sock").toString());
        // every virtiofsd stopped (SIGSTOP: a stopped process does not act on SIGTERM), the workers it forks included:
        // shutdown must still end them all, and not leave a worker to PID 1 when it kills the parent first
        List<Long> servers = ProcessHandle.allProcesses()
                .filter(p -> sockets.stream().anyMatch(s -> p.info().commandLine().orElse("").contains(s)))
                .map(ProcessHandle::pid).toList();
        // over 9p QEMU serves the files itself: no file server of its own
        assertEquals("virtiofs".equals(expectedTransport()), !servers.isEmpty(), "file servers for the mounts: " + servers);
        for (long pid : servers) Proc.of("kill", "-STOP", Long.toString(pid)).timeout(Duration.ofSeconds(5)).run();
        merosOk(home, null, Duration.ofMinutes(3), "shutdown", C, "--timeout", "5");
        for (int p : new int[] {manifestPort, cliPort, apiPort}) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", p)); // throws if anything still listens there
            }
        }
        assertFalse(Files.exists(vmState.resolve("forwards.json")));
        assertFalse(Files.exists(vmState.resolve("mounts.json")));
        ProcessHandle.allProcesses().forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            for (String s : sockets) assertFalse(cmd.contains(s), "left running: " + cmd);
        });
        for (long pid : servers) {
            assertTrue(ProcessHandle.of(pid).map(Processes::ended).orElse(true), "file server " + pid + " has ended");
        }
        assertEquals(List.of(), qemuUnder(home.resolve("data/state").resolve(C)));
    }
}
