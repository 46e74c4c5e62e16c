package meros.e2e;

import meros.core.base.FileIdentity;
import meros.core.proc.Proc;
import meros.core.qemu.QemuArgs;
import meros.core.qemu.VmRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Saved boots with the real QEMU under TCG, on {@code demo} (user-mode networking, loopback only) in a scratch home
 * holding copies of the checkout's demo disk and keys: the first init boots cold and saves the boot; the next two
 * resume it, each a correct guest (clock, reseeded random state, its own MAC and address, the pinned host key); a
 * changed include makes the next init drop the saved boot and boot cold, on a new overlay over the rebuilt disk. Before
 * that, the {@code reset} command puts the cold-booted VM back to its saved boot (a file written since is gone), and a
 * build while the VM runs is refused. One cold boot in all.
 */
@Tag("e2e")
class SavedBootE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    static final Duration SHORT = Duration.ofMinutes(3);
    final Path checkout = checkout();
    @TempDir Path tmp;
    Path home;

    @AfterEach
    void cleanup() {
        if (home == null) return;
        meros(home, null, SHORT, "shutdown", "demo", "--timeout", "3");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    @Test
    void initSavesTheBootResumesItAsACorrectGuestAndAChangedIncludeInvalidatesIt() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap");
        home = scratchHome();

        String first = merosOk(home, null, BOOT, "init", "demo", "--accel", "tcg").stdout();
        assertFalse(first.contains("from saved boot"), first);
        Matcher saved = Pattern.compile("box: saved its boot ([0-9a-f]{12}) \\(\\d+ MiB on disk, paused [0-9.]+ s\\); the next init resumes it").matcher(first);
        assertTrue(saved.find(), first);
        String key = saved.group(1);
        assertEquals(List.of(key), savedBoots());
        assertTrue(merosOk(home, null, SHORT, "info", "demo").stdout().matches("(?s).*\\nbox +running .* cold\\n?.*"));

        // the reset command: the running VM goes back to its saved boot; what the guest wrote since is gone
        Matcher ssh = Pattern.compile("box: started \\(pid \\d+, tcg, ssh 127.0.0.1:(\\d+)\\)").matcher(first);
        assertTrue(ssh.find(), first);
        int port = Integer.parseInt(ssh.group(1));
        sshOk(home, null, "demo", "box", "127.0.0.1", port, "touch /root/t15-left-behind && sync");
        // a build would replace the running VM's disk and host key: refused, and the VM goes on
        Proc.Result busyBuild = meros(home, null, SHORT, "build", "demo");
        assertEquals(1, busyBuild.exit(), busyBuild.toString());
        assertEquals("error: vm box of demo is running on the disk a build replaces: shut it down first ('shutdown demo box')\n",
                busyBuild.stderr());
        String reset = merosOk(home, null, SHORT, "reset", "demo").stdout();
        assertTrue(reset.matches("(?s)(.*\\n)?box: ready in [0-9.]+ s \\(ssh\\)\\n"), reset);
        assertTrue(merosOk(home, null, SHORT, "info", "demo").stdout().matches("(?s).*\\nbox +running .* resumed\\n?.*"));
        assertEquals("gone", sshOk(home, null, "demo", "box", "127.0.0.1", port, "test -e /root/t15-left-behind && echo there || echo gone").strip());
        // the reset recorded that it set the clock; had it been interrupted before, the guest would keep its saved
        // boot's time: the next init's re-attach sets the clock then
        Path started = home.resolve("data/state/demo/box/started");
        List<String> how = Files.readAllLines(started);
        assertEquals(List.of("resumed", "clock set"), List.of(how.get(0).split(" ")[0], how.get(1)), how.toString());
        Files.writeString(started, how.get(0) + "\n");
        sshOk(home, null, "demo", "box", "127.0.0.1", port, "date -s @$(( $(date +%s) - 3600 )) >/dev/null");
        String reattached = merosOk(home, null, SHORT, "init", "demo", "--accel", "tcg").stdout();
        assertTrue(reattached.contains("box: its clock was never set after its resume: clock set in "), reattached);
        assertGuestClockIsTheHosts(port);
        assertEquals("clock set", Files.readAllLines(started).get(1));
        merosOk(home, null, SHORT, "shutdown", "demo");
        Proc.Result stopped = meros(home, null, SHORT, "reset", "demo");
        assertEquals(1, stopped.exit(), stopped.toString());
        assertTrue(stopped.stderr().matches("error: vm demo/box is not running \\([a-z ]+\\): reset needs every VM; start it with: meros init demo\n"),
                stopped.stderr());

        Copy a = resumed(key);

        // a host tool missing at resume fails init with exit 3 and one line, and keeps the saved boot for the next init
        Path noQemuImg = Files.createDirectories(tmp.resolve("path-without-qemu-img"));
        try (Stream<Path> bins = Files.list(Path.of("/usr/bin"))) {
            for (Path p : bins.toList()) {
                if (!p.getFileName().toString().equals("qemu-img")) Files.createSymbolicLink(noQemuImg.resolve(p.getFileName()), p);
            }
        }
        Proc.Result missing = merosWith(Map.of("PATH", noQemuImg + ":/usr/sbin:/sbin"), Map.of(), home, SHORT, "init", "demo", "--accel", "tcg");
        assertEquals(3, missing.exit(), missing.toString());
        assertEquals("error: cannot run qemu-img: not found (installed? 'meros doctor' names the package)\n", missing.stderr());
        assertFalse(missing.stdout().contains("removed it"), missing.stdout());
        assertTrue(savedBoots().contains(key), "the saved boot is kept: " + savedBoots());
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));

        Copy b = resumed(key);
        assertNotEquals(a.random(), b.random(), "two resumed copies drew the same random bytes");

        // a changed include rebuilds the disk: the saved boot no longer fits and the next init boots cold
        Files.writeString(home.resolve("constellations/demo/includes.chroot/etc/t15-marker"), "changed\n");
        merosOk(home, null, BOOT, "build", "demo");
        Files.writeString(home.resolve("constellations/demo/demo.yml"),
                Files.readString(home.resolve("constellations/demo/demo.yml")).replace("boot_timeout: 900", "boot_timeout: 5"));
        Proc.Result again = meros(home, null, SHORT, "init", "demo", "--accel", "tcg");
        assertTrue(again.stdout().contains("box: removed saved boot " + key + " (the VM, its image, kernel or QEMU changed)"), again.stdout());
        // the overlay the resumed copies ran on was over the old disk: a new one over the rebuilt disk
        assertTrue(again.stdout().contains("box: its disk was rebuilt since its overlay was made: it starts on a new one"), again.stdout());
        Path disk = home.resolve("data/disks/demo/box.qcow2");
        assertEquals(disk.toString(), VmRuntime.backingOf(home.resolve("data/state/demo/box/overlay.qcow2")));
        assertEquals(FileIdentity.of(disk), Files.readString(home.resolve("data/state/demo/box/overlay.base")).strip());
        assertTrue(again.stdout().matches("(?s).*box: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\)\\n.*"), again.stdout());
        assertFalse(again.stdout().contains("from saved boot"), again.stdout());
        assertFalse(savedBoots().contains(key), savedBoots().toString());
    }

    /** The saved boots of demo/box on disk, by the first 12 characters of their keys (their directories' names). */
    private List<String> savedBoots() throws Exception {
        Path dir = home.resolve("data/saved/demo/box");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString().substring(0, 12)).toList();
        }
    }

    /** The guest's clock, read between two readings of the host's: within 2 s of the host at that moment. */
    private void assertGuestClockIsTheHosts(int port) throws Exception {
        double before = System.currentTimeMillis() / 1000.0;
        double guestNow = Double.parseDouble(sshOk(home, null, "demo", "box", "127.0.0.1", port, "date +%s.%N").strip());
        double after = System.currentTimeMillis() / 1000.0;
        assertTrue(guestNow > before - 2.0 && guestNow < after + 2.0,
                String.format("guest clock %.3f outside the host's [%.3f, %.3f] +- 2 s", guestNow, before, after));
    }

    /** What one resumed copy of the VM showed. */
    record Copy(String random) { }

    private Copy resumed(String key) throws Exception {
        long t0 = System.nanoTime();
        String out = merosOk(home, null, SHORT, "init", "demo", "--accel", "tcg").stdout();
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.printf("resumed init took %.1f s (JVM start included)%n", took);
        Matcher m = Pattern.compile("box: started \\(pid \\d+, tcg, ssh 127.0.0.1:(\\d+)\\) from saved boot " + key + ", resumed").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(out.matches("(?s).*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        assertFalse(out.contains("could not set the clock"), out);
        int port = Integer.parseInt(m.group(1));
        assertTrue(merosOk(home, null, SHORT, "info", "demo").stdout().matches("(?s).*\\nbox +running .* resumed\\n?.*"));

        // the pinned host key: sshOk connects with StrictHostKeyChecking against the key recorded at build time
        assertGuestClockIsTheHosts(port);
        // the boot was saved once it had finished, so a resumed copy has nothing of it left to do
        String state = sshOk(home, null, "demo", "box", "127.0.0.1", port, "systemctl is-system-running || true").strip();
        assertTrue(state.equals("running") || state.equals("degraded"), "a resumed copy is still booting: " + state);
        // the image's /etc/modules names no module: Debian's modules-load.d link is gone and the unit was skipped
        assertEquals("no", sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "systemctl show -P ConditionResult systemd-modules-load.service").strip());
        String facts = sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "cat /sys/class/net/*/address; ip -o -4 addr show; dmesg; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'");
        List<String> lines = facts.lines().toList();
        assertTrue(facts.contains(QemuArgs.managementMac("demo", "box")), "the VM's own MAC:\n" + facts);
        assertTrue(facts.matches("(?s).*inet 10\\.0\\.2\\.15/24.*"), "the VM's own address:\n" + facts);
        assertTrue(facts.contains("crng reseeded due to virtual machine fork"), "no reseed on VM fork in dmesg:\n" + facts);
        String random = lines.get(lines.size() - 1).strip();
        assertEquals(64, random.length(), facts);
        merosOk(home, null, SHORT, "shutdown", "demo");
        return new Copy(random);
    }

    /**
     * A home of its own: the demo constellation (boot_timeout 900 s: TCG on a busy 2-core host), copies of the
     * checkout's built demo disk, kernel, initrd and keys, and the checkout's base cache (a rebuild reuses the base).
     */
    private Path scratchHome() throws Exception {
        if (!Files.exists(checkout.resolve("data/disks/demo/box.qcow2"))) merosOk(checkout, null, BOOT, "build", "demo");
        Path h = tmp.resolve("home");
        Path c = h.resolve("constellations/demo");
        Files.createDirectories(c.getParent());
        E2E.run("cp", "-r", checkout.resolve("constellations/demo").toString(), c.toString());
        Files.writeString(c.resolve("demo.yml"),
                Files.readString(c.resolve("demo.yml")).replace("    network: user\n", "    network: user\n    boot_timeout: 900\n"));
        Files.createDirectories(h.resolve("data/disks"));
        Files.createDirectories(h.resolve("data/keys"));
        Proc.of("cp", "-a", "--sparse=always", checkout.resolve("data/disks/demo").toString(), h.resolve("data/disks/demo").toString())
                .timeout(Duration.ofMinutes(5)).run();
        Proc.of("cp", "-a", checkout.resolve("data/keys/demo").toString(), h.resolve("data/keys/demo").toString()).timeout(Duration.ofMinutes(1)).run();
        Files.createSymbolicLink(h.resolve("data/cache"), checkout.resolve("data/cache"));
        return h;
    }
}
