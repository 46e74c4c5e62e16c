package meros.core.lifecycle;

import meros.core.base.Home;
import meros.core.manifest.Vm;
import meros.core.qemu.QemuArgsTest;
import meros.core.qemu.VmRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The key of a saved boot: what changes it and what does not. */
class SavedBootKeyTest {
    @TempDir Path tmp;

    private VmRuntime runtime(Home home, Vm vm) throws Exception {
        Path disks = home.disks().resolve("lab");
        Files.createDirectories(disks);
        for (String f : List.of("web.qcow2", "web.vmlinuz", "web.initrd")) {
            if (!Files.exists(disks.resolve(f))) Files.writeString(disks.resolve(f), f);
        }
        return new VmRuntime(home, "lab", vm);
    }

    @Test
    void sameVmSameKeyAndTheSshPortIsNotPartOfIt() throws Exception {
        Home home = new Home(tmp);
        Vm web = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of());
        VmRuntime r = runtime(home, web);
        String k = SavedBoot.key("lab", r, Vm.Accel.TCG, true, Map.of("labnet", 21000));
        assertEquals(64, k.length());
        assertEquals(k, SavedBoot.key("lab", r, Vm.Accel.TCG, true, Map.of("labnet", 21000)));
        assertTrue(SavedBoot.keyArgv("lab", r, Vm.Accel.TCG, true, Map.of("labnet", 21000)).contains("user,id=mgmt,hostfwd=tcp:127.0.0.1:0-:22"));
    }

    @Test
    void accelerationMemoryNetworkAndEachInputFileChangeTheKey() throws Exception {
        Home home = new Home(tmp);
        Vm web = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of());
        VmRuntime r = runtime(home, web);
        String k = SavedBoot.key("lab", r, Vm.Accel.TCG, false, Map.of());
        assertNotEquals(k, SavedBoot.key("lab", r, Vm.Accel.KVM, false, Map.of()), "a TCG boot never resumes under KVM");
        assertNotEquals(k, SavedBoot.key("lab", r, Vm.Accel.TCG, true, Map.of("labnet", 21000)), "network mode");
        assertNotEquals(k, SavedBoot.key("other", r, Vm.Accel.TCG, false, Map.of()), "constellation (QEMU -name)");
        Vm extra = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), "quiet", "none", List.of());
        assertNotEquals(k, SavedBoot.key("lab", runtime(home, extra), Vm.Accel.TCG, false, Map.of()), "kernel command line");
        Vm qemuArgs = QemuArgsTest.vm("web", List.of(QemuArgsTest.WEB0), null, "none", List.of("-device", "virtio-rng-pci"));
        assertNotEquals(k, SavedBoot.key("lab", runtime(home, qemuArgs), Vm.Accel.TCG, false, Map.of()), "extra QEMU arguments");
        for (String f : List.of("web.qcow2", "web.vmlinuz", "web.initrd")) {
            Path p = home.disks().resolve("lab").resolve(f);
            String before = SavedBoot.key("lab", r, Vm.Accel.TCG, false, Map.of());
            // a rebuild writes a new file and renames it into place: new inode, new time, maybe new size
            Path fresh = p.resolveSibling(f + ".new");
            Files.writeString(fresh, f + " rebuilt");
            Files.setLastModifiedTime(fresh, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() + 5000));
            Files.move(fresh, p, StandardCopyOption.REPLACE_EXISTING);
            assertNotEquals(before, SavedBoot.key("lab", r, Vm.Accel.TCG, false, Map.of()), f);
        }
    }

    @Test
    void staleSavedBootsAreRemovedOnlyWhenMerosMadeThem() throws Exception {
        Home home = new Home(tmp);
        Path root = SavedBoot.root(home, "lab", "web");
        Path old = root.resolve("a".repeat(64));
        Path keep = root.resolve("b".repeat(64));
        Path foreign = root.resolve("notes");
        Path half = root.resolve(".saving-cccccccccccc");
        for (Path d : List.of(old, keep, foreign, half)) Files.createDirectories(d);
        Files.writeString(old.resolve("saved.json"), "{\"key\":\"" + "a".repeat(64) + "\",\"vm\":\"lab/web\"}");
        Files.writeString(keep.resolve("saved.json"), "{\"key\":\"" + "b".repeat(64) + "\",\"vm\":\"lab/web\"}");
        assertEquals(List.of("aaaaaaaaaaaa"), SavedBoot.removeStale(home, "lab", "web", "b".repeat(64)));
        assertFalse(Files.exists(old));
        assertFalse(Files.exists(half));
        assertTrue(Files.exists(keep));
        assertTrue(Files.exists(foreign));
        assertNull(SavedBoot.find(home, "lab", "web", "b".repeat(64)), "no state file: not a usable saved boot");
    }
}
