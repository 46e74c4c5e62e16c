package meros.shell;

import com.sun.security.auth.module.UnixSystem;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static meros.shell.AccessE2E.requireTools;
import static org.junit.jupiter.api.Assertions.*;

/**
 * meros as a user without root, started from the root test run with {@code runuser}: a scratch user (with the
 * subordinate uid range {@code useradd} gives), a root-owned read-only checkout holding {@code demo}, and nothing
 * else. {@code init demo} must build the disk (in a user namespace) and boot it under TCG on user-mode networking with
 * state, keys and caches in the user's {@code ~/.local/share/meros}; then {@code run} and a scenario script work.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NonRootE2ETest {
    static final String USER = "meros-nonroot-e2e";
    static final Duration BOOT = Duration.ofMinutes(25);
    static Path work;
    static Path checkout;
    static String classpath;
    static Path data;

    @BeforeAll
    static void scratchUserAndCheckout() throws Exception {
        requireTools("runuser", "useradd", "userdel", "unshare", "newuidmap", "qemu-system-x86_64", "mmdebstrap");
        assertEquals(0, new UnixSystem().getUid(), "this test creates a user: run it as root");
        removeUser();
        root("useradd", "--create-home", "--shell", "/bin/sh", USER);
        if (Files.readAllLines(Path.of("/etc/subuid")).stream().noneMatch(l -> l.startsWith(USER + ":"))) {
            root("usermod", "--add-subuids", "300000-365535", "--add-subgids", "300000-365535", USER);
        }
        data = Path.of("/home", USER, ".local/share/meros");
        work = Files.createTempDirectory(Path.of("/tmp"), "meros-nonroot");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        checkout = Files.createDirectories(work.resolve("checkout/constellations/demo")).getParent().getParent();
        Path src = AccessE2E.checkout();
        // the shipped demo with a boot timeout that a loaded CI host cannot miss: this test is about the user, not speed
        Files.writeString(checkout.resolve("constellations/demo/demo.yml"), Files.readString(src.resolve("constellations/demo/demo.yml"))
                .replace("    network: user\n", "    network: user\n    boot_timeout: 900\n"));
        Files.writeString(checkout.resolve("smoke.jsh"), """
                var box = meros.constellation("demo").vm("box");
                box.waitForUnit("sshd.service");
                box.succeed("touch /tmp/from-scenario && test -f /tmp/from-scenario");
                """);
        // the classpath as copies this user can read (the Maven repository under /root is not)
        Path cp = Files.createDirectories(work.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                Path d = cp.resolve("d" + i++);
                copyTree(p, d);
                entries.add(d.toString());
            } else if (Files.isRegularFile(p)) {
                Path j = cp.resolve(i++ + "-" + p.getFileName());
                Files.copy(p, j, StandardCopyOption.REPLACE_EXISTING);
                entries.add(j.toString());
            }
        }
        root("chmod", "-R", "a+rX", work.toString());
        classpath = String.join(File.pathSeparator, entries);
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (classpath != null) asUser(Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        AccessE2E.killQemuUnder(data.resolve("state/demo"));
        removeUser();
        if (work != null) Proc.of("rm", "-rf", work.toString()).timeout(Duration.ofMinutes(1)).call();
    }

    private static void removeUser() {
        Proc.of("pkill", "-KILL", "-u", USER).timeout(Duration.ofSeconds(10)).call();
        Proc.of("userdel", "--remove", USER).timeout(Duration.ofSeconds(30)).call();
    }

    private static void root(String... argv) { Proc.of(argv).timeout(Duration.ofSeconds(30)).run(); }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * meros.shell.Main as the scratch user, with a clean environment (no root's HOME, no MEROS_* of the test run) and
     * the PATH Debian gives a plain user (/etc/login.defs ENV_PATH): without /usr/sbin and /sbin, where mke2fs and
     * debootstrap live, which meros finds and runs all the same.
     */
    static Proc.Result asUser(Duration timeout, String... args) {
        List<String> a = new ArrayList<>(List.of("runuser", "-u", USER, "--", "env", "-i", "HOME=/home/" + USER,
                "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games", "LANG=C.UTF-8",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + checkout,
                "-Dpicocli.ansi=false", "-cp", classpath, Main.class.getName()));
        a.addAll(List.of(args));
        return Proc.of(a).dir(work).timeout(timeout).onLine(l -> System.out.println("  " + USER + " meros " + args[0] + "| " + l)).call();
    }

    @Test
    @Order(1)
    void initBuildsAndBootsDemoInTheUsersOwnDataDirectory() throws Exception {
        Proc.Result r = asUser(BOOT, "init", "demo");
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.contains("building box first"), out);
        if (Files.exists(Path.of("/dev/kvm"))) {
            assertTrue(out.contains("KVM is present but not accessible to this user (/dev/kvm cannot be opened by user " + USER), out);
        }
        assertTrue(out.matches("(?s).*box: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\).*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        long uid = (Integer) Files.getAttribute(Path.of("/home", USER), "unix:uid");
        for (Path p : List.of(data.resolve("disks/demo/box.qcow2"), data.resolve("keys/demo/box/id_ed25519"),
                data.resolve("state/demo/box/qmp.sock"), data.resolve("cache"))) {
            assertTrue(Files.exists(p), p + " exists");
            assertEquals(uid, ((Integer) Files.getAttribute(p, "unix:uid")).longValue(), p + " belongs to the user");
        }
        assertFalse(Files.exists(checkout.resolve("data")), "nothing written into the read-only checkout");
    }

    @Test
    @Order(2)
    void runAndAScenarioWorkForTheUser() {
        Proc.Result r = asUser(Duration.ofMinutes(2), "run", "demo", "box", "--", "id", "-un");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertEquals("debian", r.stdout().strip());
        Proc.Result s = asUser(Duration.ofMinutes(3), "script", checkout.resolve("smoke.jsh").toString());
        assertEquals(0, s.exit(), s.stdout() + s.stderr());
        Proc.Result down = asUser(Duration.ofMinutes(3), "shutdown", "demo");
        assertEquals(0, down.exit(), down.stdout() + down.stderr());
        assertTrue(down.stdout().contains("vm box: "), down.stdout());
    }
}
