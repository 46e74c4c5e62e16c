package meros.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The unprivileged path: {@code demo} on user-mode networking, SSH forwarded on a loopback port (no namespace
 * needed: nothing but loopback is used), plus screendump and snapshots over QMP.
 */
@Tag("e2e")
class RunDemoE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25);
    final Path home = checkout();
    @TempDir Path tmp;

    @AfterEach
    void cleanup() {
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    @Test
    void bootTimeoutShowsTheSerialLogAndTheLockKeepsOthersOut() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img");
        Path h = shortBootHome();
        try {
            Process init = new ProcessBuilder(E2E.in(null, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dmeros.home=" + h, "-cp", System.getProperty("java.class.path"), CliMain.class.getName(), "init", "demo"))
                    .redirectOutput(tmp.resolve("init.out").toFile()).redirectError(tmp.resolve("init.err").toFile()).start();
            // while init holds the lock, another meros process is turned away
            Path lock = h.resolve("data/state/demo/lock");
            for (int i = 0; i < 300 && !(Files.exists(lock) && !Files.readString(lock).isBlank()); i++) Thread.sleep(100);
            var busy = meros(h, null, Duration.ofMinutes(1), "shutdown", "demo");
            assertEquals(5, busy.exit());
            assertEquals("error: constellation 'demo' is busy: locked by pid " + init.pid(), busy.stderr().strip());

            assertTrue(init.waitFor(5, TimeUnit.MINUTES));
            assertEquals(1, init.exitValue());
            String out = Files.readString(tmp.resolve("init.out"));
            assertTrue(out.matches("(?s).*box: not ready after 5 s; (last serial lines:\n  |the serial log is empty: the guest never started; acceleration\\? \\(MEROS_ACCEL=tcg forces TCG\\)).*"), out);
            assertEquals("error: vm box did not come up in 5 s (it keeps running: 'info demo' shows it, 'shutdown demo' stops it)",
                    Files.readString(tmp.resolve("init.err")).strip());
        } finally {
            String down = merosOk(h, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5").stdout();
            assertTrue(down.matches("(?s).*vm box: .* in [0-9.]+ s.*"), down);
            killQemuUnder(h.resolve("data/state/demo"));
        }
    }

    /**
     * An init killed while its VM boots leaves the VM running; the next init re-attaches to it and waits for the same
     * SSH login a fresh start waits for, instead of calling a half-booted VM ready. The VM boots through the initrd's
     * own {@code /init} ({@code resume=} is one of the parameters meros-init hands over for).
     */
    @Test
    void initAfterAKilledInitWaitsUntilTheReattachedVmAnswers() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img");
        Path h = scratchHome("    network: user\n", "    network: user\n    boot_timeout: 900\n    kernel_args: resume=none\n");
        try {
            Process first = new ProcessBuilder(E2E.in(null, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dmeros.home=" + h, "-Dmeros.kvm.device=" + tmp.resolve("no-kvm"), "-cp", System.getProperty("java.class.path"),
                    CliMain.class.getName(), "init", "demo"))
                    .redirectOutput(tmp.resolve("first.out").toFile()).redirectError(tmp.resolve("first.err").toFile()).start();
            Path vmJson = h.resolve("data/state/demo/box/vm.json");
            for (int i = 0; i < 1200 && !Files.exists(vmJson); i++) Thread.sleep(100);
            assertTrue(Files.exists(vmJson), "the first init started box");
            first.destroyForcibly().waitFor();
            var again = merosOk(h, null, BOOT, "init", "demo");
            String out = again.stdout();
            assertTrue(out.matches("(?s).*box: already running \\(pid \\d+, running\\), re-attached\n.*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
            assertEquals("box", merosOk(h, null, Duration.ofMinutes(2), "run", "demo", "box", "--", "hostname").stdout().strip(),
                    "ready means a command runs at once");
            String serial = Files.readString(h.resolve("data/state/demo/box/serial.log"), StandardCharsets.ISO_8859_1);
            assertTrue(serial.contains("meros-init: resume=none asked for; continuing with the initrd's /init"), serial);
            assertTrue(serial.contains("Begin: Mounting root file system"), "initramfs-tools' init mounted the root: " + serial);
            // --cold does not restart a running VM, and says so
            String cold = merosOk(h, null, BOOT, "init", "demo", "--cold").stdout();
            assertTrue(cold.contains("box: already running (pid ") && cold.contains(
                    "), re-attached; --cold does not restart a running VM ('shutdown demo box' first)\n"), cold);
            // a manifest that now gives it other memory and CPUs: the re-attach line says so, and how to apply them
            Path yml = h.resolve("constellations/demo/demo.yml");
            String asStarted = Files.readString(yml);
            Files.writeString(yml, asStarted.replace("memory: 1024", "memory: 1536").replace("cpus: 2", "cpus: 1"));
            String changed = merosOk(h, null, BOOT, "init", "demo").stdout();
            assertTrue(changed.contains("), re-attached; the manifest now gives it memory 1536 MiB (it runs with 1024 MiB), cpus 1 "
                    + "(it runs with 2): 'shutdown demo box' and 'init demo' start it with them"), changed);
            Files.writeString(yml, asStarted);
            // a paused VM is continued by init (it could never answer otherwise) and by shutdown (a stopped CPU hears no button)
            merosOk(h, null, Duration.ofMinutes(1), "pause", "demo", "box");
            String resumed = merosOk(h, null, BOOT, "init", "demo").stdout();
            assertTrue(resumed.matches("(?s).*box: already running \\(pid \\d+, paused\\), re-attached; it was paused: continued it \\(QMP cont\\)\n"
                    + ".*box: ready in [0-9.]+ s \\(ssh\\).*"), resumed);
            merosOk(h, null, Duration.ofMinutes(1), "pause", "demo", "box");
            // a manifest made invalid while the VM runs: shutdown stops what data/state/demo/ records
            Files.writeString(yml, asStarted.replace("cpus: 2", "cpus: lots"));
            String down = merosOk(h, null, Duration.ofMinutes(3), "shutdown", "demo").stdout();
            Files.writeString(yml, asStarted);
            assertTrue(down.startsWith("constellations/demo/demo.yml:") && down.contains("got 'lots'; stopping what data/state/demo/ records\n"), down);
            assertTrue(down.matches("(?s).*vm box: powered off \\((ACPI|guest agent)[^)]*, resumed from paused first\\) in [0-9.]+ s.*"), down);
        } finally {
            merosOk(h, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
            killQemuUnder(h.resolve("data/state/demo"));
        }
    }

    /** A scratch home sharing the checkout's demo disks and keys, whose demo gives up booting after 5 s. */
    private Path shortBootHome() throws Exception {
        return scratchHome("    network: user\n", "    network: user\n    boot_timeout: 5\n");
    }

    /** A scratch home sharing the checkout's demo disks and keys, with one replacement in demo's manifest. */
    private Path scratchHome(String find, String replace) throws Exception {
        Path h = tmp.resolve("home");
        Files.createDirectories(h.resolve("constellations"));
        Files.createDirectories(h.resolve("data"));
        // the whole constellation, includes and hooks too: the disks are the checkout's, and a different build key
        // would rebuild them in place
        E2E.run("cp", "-r", home.resolve("constellations/demo").toString(), h.resolve("constellations/demo").toString());
        if (!Files.exists(home.resolve("data/disks/demo/box.qcow2"))) merosOk(home, null, BOOT, "build", "demo");
        Files.createSymbolicLink(h.resolve("data/disks"), home.resolve("data/disks"));
        Files.createSymbolicLink(h.resolve("data/keys"), home.resolve("data/keys"));
        Files.writeString(h.resolve("constellations/demo/demo.yml"),
                Files.readString(home.resolve("constellations/demo/demo.yml")).replace(find, replace));
        return h;
    }

    @Test
    void demoBootsOnLoopbackAndAnswersQmp() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap");
        String init = merosOk(home, null, BOOT, "init", "demo").stdout();
        assertTrue(init.matches("(?s).*box: started \\(pid \\d+, (?:tcg|kvm), ssh 127.0.0.1:(\\d+)\\).*box: ready in [0-9.]+ s \\(ssh\\).*"), init);
        int port = Integer.parseInt(init.replaceAll("(?s).*ssh 127.0.0.1:(\\d+)\\).*", "$1"));
        assertEquals("box", sshOk(home, null, "demo", "box", "127.0.0.1", port, "hostname").strip());
        // booted through meros-init, with the management NIC's address from the initrd and sshd's penalties off
        String cmdline = sshOk(home, null, "demo", "box", "127.0.0.1", port, "cat /proc/cmdline").strip();
        assertTrue(cmdline.contains(" rdinit=/meros-init ") && cmdline.contains(" meros.ip="), cmdline);
        String serial = Files.readString(home.resolve("data/state/demo/box/serial.log"), StandardCharsets.ISO_8859_1);
        assertTrue(serial.contains("Run /meros-init as init process"), serial);
        assertFalse(serial.contains("continuing with the initrd's /init"), "meros-init mounted the root itself: " + serial);
        assertEquals("persourcepenalties no", sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "sudo sshd -T | grep -i '^persourcepenalties'").strip());
        // the q35 drivers demo has no use for stay unloaded once udev has handled every device; modprobe still loads one
        assertTrue(cmdline.contains(" modprobe.blacklist=ahci,bochs,vga16fb,psmouse"), cmdline);
        String modules = sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "sudo udevadm settle --timeout=120 && cut -d' ' -f1 /proc/modules | sort").strip();
        assertTrue(List.of(modules.split("\n")).contains("virtio_net"), modules);
        assertTrue(List.of(modules.split("\n")).stream().noneMatch(List.of("ahci", "bochs", "vga16fb", "psmouse")::contains), modules);
        assertEquals("ahci", sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "sudo modprobe ahci && grep -o '^ahci ' /proc/modules").strip());

        String info = merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout();
        assertTrue(info.matches("(?s).*\\nbox +running +\\d+ +x86_64 +(?:tcg|kvm) +[0-9hms]+ +- +127.0.0.1:" + port + " +data/disks/demo/box.qcow2.*"), info);
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("data/state/demo/box"))));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("data/state/demo/box/qmp.sock"))));

        Path shot = tmp.resolve("screen.png");
        merosOk(home, null, Duration.ofMinutes(1), "screendump", "demo", "box", shot.toString());
        byte[] png = Files.readAllBytes(shot);
        assertEquals("\u0089PNG", new String(png, 0, 4, StandardCharsets.ISO_8859_1));

        merosOk(home, null, Duration.ofMinutes(5), "snapshot", "save", "demo", "box", "first");
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "snapshot", "list", "demo", "box").stdout().contains("first"));
        Thread.sleep(5000); // the snapshot's clock is now 5 s behind the host's
        assertEquals("snapshot load first: done\n", merosOk(home, null, Duration.ofMinutes(5), "snapshot", "load", "demo", "box", "first").stdout());
        // the loaded guest's clock is set to the host's: within 2 s of it, read between two readings of the host's
        double before = System.currentTimeMillis() / 1000.0;
        double guestNow = Double.parseDouble(sshOk(home, null, "demo", "box", "127.0.0.1", port, "date +%s.%N").strip());
        double after = System.currentTimeMillis() / 1000.0;
        assertTrue(guestNow > before - 2.0 && guestNow < after + 2.0,
                String.format("guest clock %.3f outside the host's [%.3f, %.3f] +- 2 s", guestNow, before, after));
        assertEquals("running", merosOk(home, null, Duration.ofMinutes(1), "qmp", "demo", "box", "query-status").stdout()
                .replaceAll("(?s).*\"status\" : \"([a-z-]+)\".*", "$1"));

        var bad = meros(home, null, Duration.ofMinutes(1), "qmp", "demo", "box", "no-such-command");
        assertEquals(1, bad.exit());
        assertEquals("error: qmp no-such-command: CommandNotFound: The command no-such-command has not been found", bad.stderr().strip());

        String down = merosOk(home, null, Duration.ofMinutes(3), "shutdown", "demo").stdout();
        assertTrue(down.matches("(?s).*vm box: powered off \\((ACPI|guest agent)[^)]*\\) in [0-9.]+ s.*"), down);
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
        assertFalse(Files.exists(home.resolve("data/state/demo/box/qmp.sock")));
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout().matches("(?s).*\\nbox +stopped .*"));
    }
}
