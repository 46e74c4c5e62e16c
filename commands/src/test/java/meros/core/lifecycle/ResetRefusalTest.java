package meros.core.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;
import meros.core.qemu.VmRuntime;
import meros.core.state.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Why {@code reset} refuses a running VM it cannot reset, before it touches any VM. */
class ResetRefusalTest {
    @TempDir Path tmp;
    private Process qemu;

    @AfterEach
    void stop() {
        if (qemu != null) qemu.destroyForcibly();
    }

    /** A running stand-in for demo/box's QEMU, started with {@code -m 1024M -smp 2} on its command line. */
    private Manifest runningDemo(Home home, long memoryMiB, int cpus) throws Exception {
        Vm box = RebuildOutOfDateTest.vm("box", List.of("curl"));
        Vm now = new Vm("box", box.arch(), box.distribution(), box.release(), box.packages(), box.mirror(), box.diskSizeBytes(), memoryMiB, cpus,
                List.of(), null, null, Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.USER, false, 120, List.of(), List.of());
        VmRuntime r = new VmRuntime(home, "demo", now);
        Files.createDirectories(r.paths().dir());
        qemu = new ProcessBuilder("sh", "-c", "read x", "fake-qemu", r.paths().qmp().toString(), "-m", "1024M", "-smp", "2").start();
        Files.writeString(r.paths().pidfile(), qemu.pid() + "\n");
        new VmState(qemu.pid(), Vm.Accel.TCG, Vm.NetworkMode.USER, "127.0.0.1", 2222, System.currentTimeMillis(), "none", List.of())
                .write(r.paths().vmJson());
        Map<String, Vm> vms = new LinkedHashMap<>();
        vms.put("box", now);
        Path dir = Files.createDirectories(tmp.resolve("constellations/demo"));
        return new Manifest("demo", dir, dir.resolve("demo.yml"), Map.of(), vms);
    }

    private static void savedBoot(Home home, String key) throws Exception {
        Path d = Files.createDirectories(SavedBoot.root(home, "demo", "box").resolve(key));
        Files.writeString(d.resolve("state"), "x");
        Files.writeString(d.resolve("disk.qcow2"), "x");
        new ObjectMapper().writeValue(d.resolve("saved.json").toFile(),
                new SavedBoot.Record(key, "demo/box", 1L, 1, 1, 0.5, List.of("qemu-system-x86_64")));
    }

    @Test
    void noSavedBootAtAllSaysHowToMakeOne() throws Exception {
        Home home = new Home(tmp);
        Manifest m = runningDemo(home, 1024, 2);
        MerosException e = assertThrows(MerosException.class, () -> new Lifecycle(home, l -> { }).reset(m));
        assertEquals("vm demo/box has no saved boot to reset to (init saves one when the VM first becomes ready; "
                + "'shutdown demo' and 'init demo' make one)", e.getMessage());
        assertTrue(qemu.isAlive(), "no VM touched");
    }

    /** A saved boot of the VM as it was before its manifest changed is named, with the changed memory and CPUs. */
    @Test
    void aSavedBootOfTheVmBeforeItsManifestChangedIsNamedWithWhatChanged() throws Exception {
        Home home = new Home(tmp);
        Manifest m = runningDemo(home, 1200, 1);
        savedBoot(home, "d2333431591b" + "0".repeat(52));
        MerosException e = assertThrows(MerosException.class, () -> new Lifecycle(home, l -> { }).reset(m));
        assertEquals("vm demo/box has no saved boot that fits it as its manifest now is: its saved boot d2333431591b is of the VM "
                + "before its manifest, image, kernel or QEMU changed (the manifest now gives it memory 1200 MiB (it runs with 1024 MiB), "
                + "cpus 1 (it runs with 2)); 'shutdown demo' and 'init demo' boot it as it is now and save that", e.getMessage());
        assertTrue(qemu.isAlive(), "no VM touched");
    }
}
