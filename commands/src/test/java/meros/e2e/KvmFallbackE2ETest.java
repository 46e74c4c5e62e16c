package meros.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.host.Kvm;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hosts whose KVM fools meros, acted out whatever this host's KVM does: the stand-in
 * {@code scripts/stand-ins/qemu-system-x86_64} first on PATH runs the real QEMU, but under {@code -accel kvm} it either never lets the vCPUs run (TCG with {@code -S}:
 * a guest that hangs with an empty serial log, as on a nested PVM host) or aborts at once (as QEMU does when the
 * nested hypervisor refuses the host CPU model's MSRs). {@code meros.kvm.device} points the KVM check at an openable
 * stand-in device, so the same paths run on hosts without /dev/kvm. With {@code MEROS_TEST_TCG} the stand-in also acts
 * out a guest whose kernel panics under multi-threaded TCG, as one can on any host.
 */
@Tag("e2e")
class KvmFallbackE2ETest {
    static final Duration RUN = Duration.ofMinutes(6);
    final Path checkout = checkout();
    @TempDir Path tmp;
    Path home;
    Path bin;

    @BeforeEach
    void scratchHome() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img");
        home = tmp.resolve("home");
        Files.createDirectories(home.resolve("constellations"));
        Files.createDirectories(home.resolve("data/cache"));
        if (!Files.exists(checkout.resolve("data/disks/demo/box.qcow2"))) merosOk(checkout, null, Duration.ofMinutes(25), "build", "demo");
        Files.createSymbolicLink(home.resolve("data/disks"), checkout.resolve("data/disks"));
        Files.createSymbolicLink(home.resolve("data/keys"), checkout.resolve("data/keys"));
        // the whole constellation, includes and hooks too: the disks are the checkout's, and a different build key
        // would rebuild them in place
        E2E.run("cp", "-r", checkout.resolve("constellations/demo").toString(), home.resolve("constellations/demo").toString());
        bin = checkout.resolve("scripts/stand-ins");
        assertTrue(Files.isExecutable(bin.resolve("qemu-system-x86_64")));
    }

    @AfterEach
    void cleanup() {
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    private Proc.Result init(String mode, Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", bin + ":" + System.getenv("PATH"), "MEROS_TEST_KVM", mode));
        env.putAll(extraEnv);
        List<String> a = new ArrayList<>(List.of("init", "demo"));
        a.addAll(List.of(args));
        return merosWith(env, Map.of("meros.kvm.device", "/dev/null"), home, RUN, a.toArray(String[]::new));
    }

    private void seedUsable() throws Exception {
        Files.writeString(home.resolve("data/cache/kvm-probe.json"), new ObjectMapper().writeValueAsString(
                Map.of("key", Kvm.cacheKey(), "state", "USABLE", "detail", "seeded by the test", "method", "seeded")));
    }

    private Map<?, ?> cachedVerdict() throws Exception {
        return new ObjectMapper().readValue(home.resolve("data/cache/kvm-probe.json").toFile(), Map.class);
    }

    /** A probe that passed by chance: the watchdog kills the silent KVM guest, records the verdict, boots under TCG. */
    @Test
    void theBootWatchdogRestartsAGuestThatHangsUnderKvmUnderTcg() throws Exception {
        seedUsable();
        Proc.Result r = init("hang", Map.of());
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.matches("(?s).*box: started \\(pid \\d+, kvm, ssh 127.0.0.1:\\d+\\)\n"
                + "box: no progress under KVM in 8 s \\(the serial log is empty\\): KVM recorded as unusable on this host; restarting under TCG\n"
                + "box: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\)\n.*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        Map<?, ?> v = cachedVerdict();
        assertEquals("UNUSABLE", v.get("state"));
        assertEquals("boot watchdog of init", v.get("method"));
        assertEquals("vm box made no progress under KVM in 8 s (the serial log is empty)", v.get("detail"));
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout().matches("(?s).*\\nbox +running +\\d+ +x86_64 +tcg .*"));
    }

    /**
     * {@code quiet} keeps the kernel's banner off the console, the line the watchdog waits for: under a KVM that works
     * (here TCG standing in for it) the watchdog takes the first output of any kind instead, within its longer window,
     * so the VM stays under KVM and KVM's verdict stays "usable". With {@code quiet} alone the first output is the
     * serial getty's at the end of the boot, a few seconds in under KVM but 25-35 s in under TCG on a loaded CI host:
     * {@code systemd.show_status=1} makes systemd print its status lines from its start (the kernel's stay hidden).
     */
    @Test
    void aQuietKernelUnderAWorkingKvmIsNotTakenForAHang() throws Exception {
        seedUsable();
        Path yml = home.resolve("constellations/demo/demo.yml");
        Files.writeString(yml, Files.readString(yml) + "    kernel_args: quiet systemd.show_status=1\n");
        Proc.Result r = init("works", Map.of(), "--cold");
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.matches("(?s).*box: started \\(pid \\d+, kvm, ssh 127.0.0.1:\\d+\\)\n.*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        assertFalse(out.contains("no progress under KVM"), out);
        assertEquals("USABLE", cachedVerdict().get("state"));
        String serial = Files.readString(home.resolve("data/state/demo/box/serial.log"));
        assertFalse(serial.contains("Linux version"), "the banner reached the console, so this tested nothing:\n" + serial);
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout().matches("(?s).*\\nbox +running +\\d+ +x86_64 +kvm .*"));
    }

    /** Without a cached verdict the probe itself boots a Linux kernel and sees the hang: no KVM attempt at all. */
    @Test
    void theProbeSeesAKernelThatPrintsNothingUnderKvm() throws Exception {
        Proc.Result r = init("hang", Map.of());
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.contains("KVM is present but unusable (the kernel printed nothing under KVM (nothing in 5 s, the serial port stayed empty); "
                + "under TCG it printed in "), out);
        assertFalse(out.contains(", kvm, "), out);
        assertTrue(out.matches("(?s).*box: started \\(pid \\d+, tcg, .*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        Map<?, ?> v = cachedVerdict();
        assertEquals("UNUSABLE", v.get("state"));
        assertTrue(((String) v.get("method")).startsWith("probe: Linux kernel box.vmlinuz under -accel kvm -cpu host"), v.toString());
    }

    /** QEMU that aborts under KVM: the VM is started again under TCG at once, and the verdict is recorded. */
    @Test
    void aQemuThatAbortsUnderKvmIsStartedAgainUnderTcg() throws Exception {
        seedUsable();
        Proc.Result r = init("abort", Map.of());
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.contains("box: QEMU failed under KVM, retrying with TCG (qemu-system-x86_64 exited with status 134"), out);
        assertTrue(out.matches("(?s).*box: started \\(pid \\d+, tcg, .*box: ready in [0-9.]+ s \\(ssh\\).*"), out);
        assertEquals("UNUSABLE", cachedVerdict().get("state"));
    }

    /**
     * A VM whose own qemu_args QEMU refuses fails under TCG as well: that is the VM's error (exit 4, QEMU's words), and
     * KVM's cached verdict stays as it was, so later VMs still get KVM.
     */
    @Test
    void aQemuArgumentQemuRefusesFailsTheVmAndLeavesKvmsVerdictAlone() throws Exception {
        seedUsable();
        Path yml = home.resolve("constellations/demo/demo.yml");
        Files.writeString(yml, Files.readString(yml) + "    qemu_args: [-bogus-option]\n");
        Proc.Result r = init("abort", Map.of());
        assertEquals(4, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("box: QEMU failed under KVM, retrying with TCG (qemu-system-x86_64 exited with status 134"), r.stdout());
        assertTrue(r.stderr().startsWith("error: ") && r.stderr().contains("-bogus-option: invalid option"), r.stderr());
        assertEquals("USABLE", cachedVerdict().get("state"));
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
    }

    /**
     * A QEMU that fails after it made its sockets (here on a device model it does not know, after its monitors are up)
     * leaves neither them nor its pidfile behind; its serial log stays for the post-mortem.
     */
    @Test
    void aQemuThatFailsAfterMakingItsSocketsLeavesNoneBehind() throws Exception {
        Path yml = home.resolve("constellations/demo/demo.yml");
        Files.writeString(yml, Files.readString(yml) + "    qemu_args: [-device, meros-no-such-device]\n");
        Proc.Result r = init("abort", Map.of("MEROS_ACCEL", "tcg"));
        assertEquals(4, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("'meros-no-such-device' is not a valid device model name"), r.stderr());
        Path vm = home.resolve("data/state/demo/box");
        for (String f : List.of("qmp.sock", "qmp-events.sock", "qga.sock", "qemu.pid")) {
            assertFalse(Files.exists(vm.resolve(f)), f + " is left");
        }
        assertTrue(Files.isRegularFile(vm.resolve("overlay.qcow2")), "the VM's disk stays");
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
    }

    /**
     * A guest whose kernel panics under multi-threaded TCG (the stand-in makes it panic there, whatever this host's TCG
     * does) is started again under single-threaded TCG, on the disk it had, and comes up; only that QEMU runs.
     */
    @Test
    void aGuestThatPanicsUnderMultiThreadedTcgIsStartedAgainSingleThreaded() throws Exception {
        Proc.Result r = init("hang", Map.of("MEROS_ACCEL", "tcg", "MEROS_TEST_TCG", "panic"), "--cold");
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        Matcher m = Pattern.compile("(?s).*box: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\)\n"
                + "box: the guest's kernel panicked; its report on the serial console:\n.*Kernel panic - not syncing: Attempted to kill init!.*\n"
                + "box: restarting under single-threaded TCG \\(tcg,thread=single\\): a kernel can panic under multi-threaded TCG .*\n"
                + "box: started \\(pid (\\d+), tcg single-threaded, ssh 127.0.0.1:\\d+\\)\n.*box: ready in [0-9.]+ s \\(ssh\\).*").matcher(out);
        assertTrue(m.matches(), out);
        List<String> running = qemuUnder(home.resolve("data/state/demo"));
        assertEquals(1, running.size(), running.toString());
        assertTrue(running.get(0).startsWith(m.group(1) + " ") && running.get(0).contains(" -accel tcg,thread=single "), running.toString());
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "info", "demo").stdout().matches("(?s).*\\nbox +running +\\d+ +x86_64 +tcg .*"));
    }

    /** A kernel that panics single-threaded too fails the VM once, naming both; the second QEMU keeps running, as after any panic. */
    @Test
    void aGuestThatPanicsEitherWayFailsNamingBoth() throws Exception {
        Proc.Result r = init("hang", Map.of("MEROS_ACCEL", "tcg", "MEROS_TEST_TCG", "panic-always"), "--cold");
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        String err = r.stderr().strip();
        assertTrue(err.matches("error: vm box: the guest's kernel panicked under multi-threaded TCG and again under single-threaded TCG "
                + "\\(\\[ *[0-9.]+\\] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100; QEMU keeps running for 'info' and the serial log\\)"), err);
        assertEquals(1, r.stdout().split("restarting under single-threaded TCG", -1).length - 1, r.stdout());
        List<String> running = qemuUnder(home.resolve("data/state/demo"));
        assertEquals(1, running.size(), running.toString());
        assertTrue(running.get(0).contains(" -accel tcg,thread=single "), running.toString());
    }

    /** One vCPU has no other vCPU to race: a panic is the VM's error at once, without a restart. */
    @Test
    void aOneVcpuGuestThatPanicsIsNotStartedAgain() throws Exception {
        Path yml = home.resolve("constellations/demo/demo.yml");
        String manifest = Files.readString(yml);
        assertTrue(manifest.contains("cpus: 2"), manifest);
        Files.writeString(yml, manifest.replace("cpus: 2", "cpus: 1"));
        Proc.Result r = init("hang", Map.of("MEROS_ACCEL", "tcg", "MEROS_TEST_TCG", "panic"), "--cold");
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        String err = r.stderr().strip();
        assertTrue(err.matches("error: vm box: the guest's kernel panicked "
                + "\\(\\[ *[0-9.]+\\] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100; QEMU keeps running for 'info' and the serial log\\)"), err);
        assertFalse(r.stdout().contains("restarting"), r.stdout());
    }

    /** Asked for KVM explicitly, a hang is an error within the watchdog's window, not after boot_timeout; nothing keeps running. */
    @Test
    void anExplicitKvmFailsAtOnceWithTheSymptomAndLeavesNothingRunning() throws Exception {
        seedUsable();
        long t0 = System.nanoTime();
        Proc.Result r = init("hang", Map.of("MEROS_ACCEL", "tcg"), "--accel", "kvm");
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        assertEquals("error: vm box made no progress under KVM in 8 s (the serial log is empty); KVM on this host does not run it: "
                + "use accel auto or tcg (--accel asked for kvm)", r.stderr().strip());
        assertTrue(s < 120, "failed after " + s + " s, not after the 180 s boot timeout");
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));

        Proc.Result bad = init("hang", Map.of("MEROS_ACCEL", "fast"));
        assertEquals(2, bad.exit());
        assertEquals("error: MEROS_ACCEL=fast: acceleration must be auto, kvm or tcg", bad.stderr().strip());
    }
}
