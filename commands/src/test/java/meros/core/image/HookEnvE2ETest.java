package meros.core.image;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static meros.testkit.E2eSupport.shareBaseCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Build hooks in the environment of an mmdebstrap customize hook: a real build (mmdebstrap against the host's mirror)
 * whose hook installs nginx-light with apt-get, plus hooks that look at their mounts and resolver, start a daemon, fail,
 * or hang until the timeout. Afterwards no mount, no process and no policy-rc.d of the build may remain.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HookEnvE2ETest {
    static final String C = "t13hooks";
    static final Duration HOOK_TIMEOUT = Duration.ofMinutes(10);
    static final Duration SHORT_HOOK_TIMEOUT = Duration.ofSeconds(15);
    static Path home;
    static Path cdir;

    @BeforeAll
    static void setUp() throws IOException {
        for (String tool : List.of("mmdebstrap", "mke2fs", "debugfs", "qemu-img", "ssh-keygen", "chroot", "unshare")) {
            assertTrue(Proc.onPath(tool), tool + " is required for this test");
        }
        home = shareBaseCache(Files.createTempDirectory("meros-e2e-t13-hooks"));
        cdir = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(cdir.resolve(C + ".yml"), "virtual_machines: {web: {network: user, memory: 512}}\n");
    }

    @AfterAll
    static void tearDown() {
        if (home != null) Fs.deleteQuietly(home);
    }

    static void hook(String name, String body) throws IOException {
        Path f = Files.createDirectories(cdir.resolve("hooks")).resolve(name);
        Files.writeString(f, "#!/bin/sh\nset -e\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static void clearHooks() {
        Fs.deleteQuietly(cdir.resolve("hooks"));
    }

    static Manifest manifest() { return ManifestLoader.load(cdir); }

    static String debugfs(Path qcow2, String request) throws IOException {
        Path raw = Files.createTempFile(home, "inspect", ".raw");
        try {
            Proc.of("qemu-img", "convert", "-O", "raw", qcow2.toString(), raw.toString()).timeout(Duration.ofMinutes(5)).run();
            Proc.Result r = Proc.of("debugfs", "-R", request, raw.toString()).timeout(Duration.ofMinutes(1)).run();
            return r.stdout() + r.stderr().lines().filter(l -> !l.startsWith("debugfs ")).map(l -> l + "\n").reduce("", String::concat);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    /** Nothing of this test's homes is mounted in the host's mount namespace, and no process runs with a root in it. */
    static void assertNothingLeft() throws IOException {
        String mounts = Files.readString(Path.of("/proc/mounts"));
        // this test's build roots (/dev/shm/meros-build/<checkout>-<c>/...): other builds may run beside the suite
        assertFalse(mounts.contains("-" + C + "/") || mounts.contains(home.toString()), "mounts left behind:\n" + mounts);
        List<String> rooted = ProcessHandle.allProcesses().map(p -> {
            try {
                Path r = Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "root"));
                return r.toString().contains(C) ? p.pid() + " " + p.info().commandLine().orElse("?") : null;
            } catch (IOException | SecurityException e) {
                return null;
            }
        }).filter(s -> s != null).toList();
        assertEquals(List.of(), rooted, "processes left running in a build root");
    }

    @Test
    @Order(1)
    void aHookThatInstallsAPackageWithAptGetPutsItInTheImage() throws Exception {
        hook("20-install-nginx", "apt-get update\napt-get install -y --no-install-recommends nginx-light");
        hook("30-environment", String.join("\n",
                "test -r /proc/self/status",
                "test -d /sys/class/net",
                "test -c /dev/null && test -c /dev/urandom && test -d /dev/pts",
                "test -x /usr/sbin/policy-rc.d && /usr/sbin/policy-rc.d nginx start || echo \"policy-rc.d says $?\" > /etc/t13-policy",
                "grep -q '^nameserver' /etc/resolv.conf",
                "printf '%s|%s|%s\\n' \"$MEROS_VM\" \"$MEROS_CONSTELLATION\" \"$MEROS_MIRROR\" > /etc/t13-env"));
        try {
            ImageBuilder b = new ImageBuilder(new Home(home), Path.of("/etc/apt"), new Hooks(Hooks.IN_NAMESPACE, HOOK_TIMEOUT));
            b.build(manifest(), List.of(), Progress.NONE);
        } finally {
            clearHooks();
        }
        Path disk = home.resolve("data/disks/" + C + "/web.qcow2");
        assertTrue(debugfs(disk, "stat /usr/sbin/nginx").contains("Type: regular"), "nginx is installed in the image");
        assertTrue(debugfs(disk, "cat /var/lib/dpkg/status").contains("Package: nginx-light\nStatus: install ok installed"));
        assertEquals("policy-rc.d says 101\n", debugfs(disk, "cat /etc/t13-policy"));
        String env = debugfs(disk, "cat /etc/t13-env");
        assertTrue(env.startsWith("web|" + C + "|http"), env);
        assertTrue(debugfs(disk, "stat /etc/resolv.conf").contains("Fast link dest: \"../run/systemd/resolve/stub-resolv.conf\""),
                "the guest's own resolv.conf is back: " + debugfs(disk, "stat /etc/resolv.conf"));
        assertTrue(debugfs(disk, "stat /usr/sbin/policy-rc.d").contains("File not found"), "policy-rc.d is removed again");
        assertNothingLeft();
    }

    @Test
    @Order(2)
    void aDaemonAHookLeavesRunningIsStoppedAndAFailingHookLeavesNothingMounted() throws Exception {
        hook("10-daemon", "setsid sleep 1000 > /dev/null 2>&1 < /dev/null &\ntrue");
        hook("20-fail", "test -r /proc/self/status\necho 'giving up' >&2\nexit 4");
        try {
            ImageBuilder b = new ImageBuilder(new Home(home), Path.of("/etc/apt"), new Hooks(Hooks.IN_NAMESPACE, HOOK_TIMEOUT));
            MerosException e = assertThrows(MerosException.class, () -> b.build(manifest(), List.of(), Progress.NONE));
            assertEquals("hook hooks/20-fail failed with exit status 4: giving up", e.getMessage());
        } finally {
            clearHooks();
        }
        assertNothingLeft();
    }

    @Test
    @Order(3)
    void aHookStoppedAtItsTimeoutLeavesNothingMounted() throws Exception {
        hook("10-hang", "mount -t tmpfs t13 /mnt\nsleep 600");
        try {
            ImageBuilder b = new ImageBuilder(new Home(home), Path.of("/etc/apt"), new Hooks(Hooks.IN_NAMESPACE, SHORT_HOOK_TIMEOUT));
            MerosException e = assertThrows(MerosException.class, () -> b.build(manifest(), List.of(), Progress.NONE));
            assertEquals("hook hooks/10-hang did not finish within 15 s and was stopped", e.getMessage());
        } finally {
            clearHooks();
        }
        assertNothingLeft();
    }
}
