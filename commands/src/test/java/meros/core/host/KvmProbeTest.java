package meros.core.host;

import meros.core.base.Home;
import meros.core.host.Kvm.Outcome;
import meros.core.host.Kvm.Run;
import meros.core.host.Kvm.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvmProbeTest {
    @TempDir Path tmp;

    @AfterEach
    void forget() { Kvm.forget(); }

    // --- the decision table ---

    @Test
    void aKernelThatPrintsUnderKvmMeansUsableWithoutAControlRun() {
        Kvm.Verdict v = Kvm.decide(new Outcome(Run.PRINTED, "in 0.4 s"), null, "box.vmlinuz");
        assertEquals(State.USABLE, v.state());
        assertEquals("the kernel printed its first line under KVM in 0.4 s", v.detail());
        assertTrue(v.method().startsWith("probe: Linux kernel box.vmlinuz under -accel kvm -cpu host"), v.method());
    }

    @Test
    void qemuAbortingUnderKvmWhileTcgRunsMeansUnusable() {
        Kvm.Verdict v = Kvm.decide(new Outcome(Run.ABORTED, "exit status 134: failed to set MSR 0x10a"),
                new Outcome(Run.PRINTED, "in 1.6 s"), "k");
        assertEquals(State.UNUSABLE, v.state());
        assertEquals("QEMU aborted under KVM (exit status 134: failed to set MSR 0x10a); under TCG it printed in 1.6 s", v.detail());
    }

    @Test
    void aSilentGuestUnderKvmWhileTcgRunsMeansUnusable() {
        Kvm.Verdict v = Kvm.decide(new Outcome(Run.SILENT, "nothing in 5 s; last output: Probing EDD (edd=off to disable)... ok"),
                new Outcome(Run.PRINTED, "in 1.2 s"), "k");
        assertEquals(State.UNUSABLE, v.state());
        assertTrue(v.detail().startsWith("the kernel printed nothing under KVM (nothing in 5 s; last output: Probing EDD"), v.detail());
    }

    @Test
    void whenTheControlRunFailsTooNothingIsKnown() {
        for (Run kvm : List.of(Run.ABORTED, Run.SILENT)) {
            for (Run tcg : List.of(Run.ABORTED, Run.SILENT)) {
                Kvm.Verdict v = Kvm.decide(new Outcome(kvm, "a"), new Outcome(tcg, "b"), "k");
                assertEquals(State.UNKNOWN, v.state(), kvm + "/" + tcg);
                assertEquals("under kvm: a; under tcg: b", v.detail());
            }
        }
        assertEquals(State.UNKNOWN, Kvm.decide(new Outcome(Run.SILENT, "a"), null, "k").state());
    }

    @Test
    void probeBootsTheKernelWithTheHostCpuModelUnderKvmOnly() {
        Path k = Path.of("vmlinuz");
        List<String> kvm = Kvm.argv(k, "kvm");
        assertEquals("host", kvm.get(kvm.indexOf("-cpu") + 1));
        assertEquals("vmlinuz", kvm.get(kvm.indexOf("-kernel") + 1));
        assertTrue(kvm.get(kvm.indexOf("-append") + 1).contains("console=ttyS0"));
        assertEquals(-1, Kvm.argv(k, "tcg").indexOf("-cpu"));
    }

    @Test
    void onlyX86BootImagesAreProbeKernels() throws Exception {
        Path fake = tmp.resolve("not-a-kernel.vmlinuz");
        Files.write(fake, new byte[4096]);
        assertFalse(Kvm.isBzImage(fake));
        byte[] img = new byte[4096];
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, img, 0x202, 4);
        Path bz = tmp.resolve("data/disks/c/vm.vmlinuz");
        Files.createDirectories(bz.getParent());
        Files.write(bz, img);
        assertTrue(Kvm.isBzImage(bz));
        assertFalse(Kvm.isBzImage(tmp.resolve("missing")));
        Optional<Path> found = Kvm.kernelAtHand(new Home(tmp));
        assertTrue(found.isPresent());
        if (!Files.isDirectory(Path.of("/boot")) || Kvm.kernelAtHand(new Home(tmp.resolve("empty"))).isEmpty()) {
            assertEquals(bz, found.get());
        }
    }

    @Test
    void missingOrClosedDevKvmIsReportedWithoutAProbe() throws Exception {
        assertEquals(State.ABSENT, Kvm.access(tmp.resolve("kvm")).state());
        Path closed = tmp.resolve("closed");
        Files.createDirectory(closed); // a directory cannot be opened read-write
        Kvm.Verdict v = Kvm.access(closed);
        assertEquals(State.NO_ACCESS, v.state());
        assertTrue(v.detail().contains("add the user to group 'kvm'"), v.detail());
    }

    @Test
    void theWatchdogsVerdictIsCachedAndWinsOverAProbe() throws Exception {
        Home h = new Home(tmp);
        Kvm.recordUnusable(h, "vm box made no progress under KVM in 8 s (the serial log is empty)");
        Kvm.forget();
        String cached = Files.readString(tmp.resolve("data/cache/kvm-probe.json"));
        assertTrue(cached.contains("\"method\" : \"boot watchdog of init\""), cached);
        if (Kvm.access(Path.of("/dev/kvm")) != null) return; // without an openable /dev/kvm no verdict is read at all
        Kvm.Verdict v = Kvm.probe(h);
        assertEquals(State.UNUSABLE, v.state());
        assertTrue(v.method().startsWith("boot watchdog of init, cached in "), v.method());
    }

    @Test
    void durationsAreWrittenWithSubSecondPrecision() {
        assertEquals("8 s", Kvm.seconds(Duration.ofSeconds(8)));
        assertEquals("0.5 s", Kvm.seconds(Duration.ofMillis(500)));
    }

    // --- against the real QEMU ---

    /** The control run: a real distribution kernel reaches its first line under TCG. */
    @Test
    @Tag("e2e")
    void aRealKernelPrintsItsFirstLineUnderTcg() {
        Optional<Path> k = Kvm.kernelAtHand(new Home(tmp));
        assertTrue(k.isPresent(), "dist-conf.sh installs linux-image-amd64, so /boot has a kernel");
        Outcome o = Kvm.boot(k.get(), "tcg", Kvm.TCG_WINDOW);
        assertEquals(Run.PRINTED, o.run(), o.detail());
    }

    /** A full probe gives a definite verdict and caches it with the method that reached it. */
    @Test
    @Tag("e2e")
    void probeGivesAVerdictAndCachesIt() throws Exception {
        Kvm.Verdict v = Kvm.probe(new Home(tmp));
        assertNotEquals(State.UNKNOWN, v.state(), v.toString());
        if (v.state() == State.USABLE || v.state() == State.UNUSABLE) {
            String cached = Files.readString(tmp.resolve("data/cache/kvm-probe.json"));
            assertTrue(cached.contains("probe: Linux kernel "), cached);
        }
    }
}
