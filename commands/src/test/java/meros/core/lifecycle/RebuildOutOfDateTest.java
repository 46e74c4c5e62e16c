package meros.core.lifecycle;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.image.BaseSpec;
import meros.core.image.BuildKey;
import meros.core.image.MirrorUnreachable;
import meros.core.image.ImageBuilder;
import meros.core.image.Recipe;
import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;
import meros.core.qemu.QemuArgs;
import meros.core.qemu.VmRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which disks {@code init} builds before starting, and the line it says for each. */
class RebuildOutOfDateTest {
    @TempDir Path tmp;
    static final String MIRROR = "http://127.0.0.1:1/debian";

    static Vm vm(String name, List<String> packages) {
        return new Vm(name, "x86_64", "debian", "stable", packages, MIRROR, 2L << 30, 1024, 2, List.of(), null, null,
                Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.USER, false, 120, List.of(), List.of());
    }

    Manifest manifest(Vm... vms) throws Exception {
        Path dir = tmp.resolve("constellations/lab");
        Files.createDirectories(dir);
        Map<String, Vm> m = new LinkedHashMap<>();
        for (Vm v : vms) m.put(v.name(), v);
        return new Manifest("lab", dir, dir.resolve("lab.yml"), Map.of(), m);
    }

    /** Stand-in disk files for {@code vm}, recorded as built from {@code as} when that is not null. */
    void disk(Home home, Manifest as, String vm) throws Exception {
        ImageBuilder b = new ImageBuilder(home);
        Files.createDirectories(b.disk("lab", vm).getParent());
        for (Path p : List.of(b.disk("lab", vm), b.kernel("lab", vm), b.initrd("lab", vm))) Files.writeString(p, "x");
        if (as == null) return;
        Vm v = as.vm(vm);
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", Recipe.debianPackages(v, "trixie"), MIRROR);
        BuildKey k = BuildKey.of(as, v, spec, null, "");
        new BuildKey.Recorded(BuildKey.FORMAT, k.key(), "debian stable x86_64 " + MIRROR, "trixie", null, k.parts()).write(b.buildRecord("lab", vm));
    }

    @Test
    void missingAndOutOfDateDisksAreBuiltInOneBuildAndUpToDateOrUnrecordedOnesAreNot() throws Exception {
        Home home = new Home(tmp);
        Manifest before = manifest(vm("db", List.of("curl")), vm("web", List.of("curl")), vm("copied", List.of()), vm("new", List.of()));
        disk(home, before, "db");
        disk(home, before, "web");
        disk(home, null, "copied");
        Manifest now = manifest(vm("db", List.of("curl")), vm("web", List.of("curl", "nginx")), vm("copied", List.of()), vm("new", List.of()));

        List<String> lines = new ArrayList<>();
        List<List<String>> builds = new ArrayList<>();
        Lifecycle l = new Lifecycle(home, lines::add).diskBuilder((m, vms) -> builds.add(vms));
        l.buildOutOfDate(now, List.of("db", "web", "copied", "new"));

        assertEquals(List.of(List.of("web", "new")), builds, "a disk without a build record is not meros's to replace");
        assertEquals(List.of("web: image out of date (packages changed); rebuilding",
                "copied: no build record (copied.build.json): booting the disk as it is ('meros build lab copied' rebuilds it)",
                "building new first"), lines);
    }

    @Test
    void onlyTheVmsAboutToStartAreLookedAt() throws Exception {
        Home home = new Home(tmp);
        Manifest before = manifest(vm("db", List.of("curl")), vm("web", List.of("curl")));
        disk(home, before, "db");
        disk(home, before, "web");
        Manifest now = manifest(vm("db", List.of("curl", "postgresql")), vm("web", List.of("curl")));
        List<List<String>> builds = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        new Lifecycle(home, lines::add).diskBuilder((m, vms) -> builds.add(vms)).buildOutOfDate(now, List.of("web"));
        assertEquals(List.of(), builds, "db (running, not starting) keeps its disk");
        assertEquals(List.of(), lines);
    }

    @Test
    void anOutOfDateDiskBootsAsBuiltWhenTheMirrorIsUnreachableButAMissingOneFails() throws Exception {
        Home home = new Home(tmp);
        Manifest before = manifest(vm("web", List.of("curl")), vm("new", List.of()));
        disk(home, before, "web");
        Manifest now = manifest(vm("web", List.of("curl", "nginx")), vm("new", List.of()));
        List<String> lines = new ArrayList<>();
        Lifecycle l = new Lifecycle(home, lines::add).diskBuilder((m, vms) -> {
            throw new MirrorUnreachable("mirror " + MIRROR + " unreachable: ConnectException");
        });
        l.buildOutOfDate(now, List.of("web"));
        assertEquals(List.of("web: image out of date (packages changed); rebuilding",
                "web: not rebuilt (mirror " + MIRROR + " unreachable: ConnectException); booting the disk as it was built ('build lab' rebuilds it)"), lines);

        MerosException e = assertThrows(MerosException.class, () -> l.buildOutOfDate(now, List.of("web", "new")));
        assertEquals("mirror " + MIRROR + " unreachable: ConnectException", e.getMessage());
    }

    /** A VM that keeps running under init is not rebuilt; the re-attach line says when its image is out of date. */
    @Test
    void aRunningVmsOutOfDateImageIsNamedWithHowToRebuildIt() throws Exception {
        Home home = new Home(tmp);
        Manifest before = manifest(vm("db", List.of("curl")), vm("web", List.of("curl")), vm("copied", List.of()), vm("new", List.of()));
        disk(home, before, "db");
        disk(home, before, "web");
        disk(home, null, "copied");
        Manifest now = manifest(vm("db", List.of("curl", "postgresql")), vm("web", List.of("curl")), vm("copied", List.of()), vm("new", List.of()));
        Lifecycle l = new Lifecycle(home, line -> { });
        assertEquals("; its image is out of date (packages changed): 'shutdown lab db' and 'init lab' rebuild it and boot the new disk",
                l.outdatedUnder(now, new VmRuntime(home, "lab", now.vm("db"))));
        assertEquals("", l.outdatedUnder(now, new VmRuntime(home, "lab", now.vm("web"))), "up to date");
        assertEquals("", l.outdatedUnder(now, new VmRuntime(home, "lab", now.vm("copied"))), "no build record: not meros's to rebuild");
        assertEquals("", l.outdatedUnder(now, new VmRuntime(home, "lab", now.vm("new"))), "no disk");
    }

    /** The re-attach line names memory and CPUs the manifest now sets differently from the QEMU command line. */
    @Test
    void aRunningVmsMemoryOrCpusChangedInTheManifestAreNamedWithHowToApplyThem() throws Exception {
        Home home = new Home(tmp);
        Vm running = vm("db", List.of("curl"));
        VmRuntime r = new VmRuntime(home, "lab", running);
        List<String> argv = QemuArgs.build("lab", running, r.paths(),
                new QemuArgs.Launch(r.kernel(), null, r.paths().overlay(), Vm.Accel.TCG, true, 2222, Map.of()));
        assertEquals("", Lifecycle.changedUnder("lab", running, argv), "the same settings");
        Vm more = new Vm("db", "x86_64", "debian", "stable", List.of("curl"), MIRROR, 2L << 30, 2048, 4, List.of(), null, null,
                Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.USER, false, 120, List.of(), List.of());
        assertEquals("; the manifest now gives it memory 2048 MiB (it runs with 1024 MiB), cpus 4 (it runs with 2): "
                + "'shutdown lab db' and 'init lab' start it with them", Lifecycle.changedUnder("lab", more, argv));
        Vm fewer = new Vm("db", "x86_64", "debian", "stable", List.of("curl"), MIRROR, 2L << 30, 1024, 1, List.of(), null, null,
                Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.USER, false, 120, List.of(), List.of());
        assertEquals("; the manifest now gives it cpus 1 (it runs with 2): 'shutdown lab db' and 'init lab' start it with them",
                Lifecycle.changedUnder("lab", fewer, argv));
        assertEquals("", Lifecycle.changedUnder("lab", more, List.of()), "no command line to compare (not running, unreadable)");
    }
}
