package meros.core.image;

import meros.core.base.Home;
import meros.core.manifest.Manifest;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildKeyTest {
    @TempDir Path home;
    Path dir;
    static final String PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample meros@lab/box";

    @BeforeEach
    void constellation() throws IOException {
        dir = home.resolve("constellations/lab");
        Files.createDirectories(dir.resolve("includes.chroot/etc"));
        Files.writeString(dir.resolve("includes.chroot/etc/motd"), "hello\n");
        Files.createDirectories(dir.resolve("box/hooks"));
        Path hook = dir.resolve("box/hooks/10-setup");
        Files.writeString(hook, "#!/bin/sh\necho one > /etc/one\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A VM with every field spelled out; {@code edit} changes one. */
    record V(List<String> packages, long disk, long memory, int cpus, String kernelArgs, Vm.Accel accel, String user,
             String hostname, int bootTimeout, List<Mount> mounts, String display, Vm.NetworkMode network) {
        static V base() {
            return new V(List.of("curl"), 2L << 30, 1024, 2, null, Vm.Accel.AUTO, "debian", null, 120, List.of(), "none", Vm.NetworkMode.USER);
        }

        Vm vm() {
            return new Vm("box", "x86_64", "debian", "stable", packages, "http://127.0.0.1:1/debian", disk, memory, cpus,
                    List.of(new Nic("eth0", "lan", "10.15.0.10", "virtio-net-pci", "52:54:00:15:00:0a")), null, kernelArgs, accel,
                    display, List.of(), user, hostname, network, false, bootTimeout, mounts, List.of());
        }
    }

    Manifest manifest(V v) {
        return Fixtures.manifest("lab", dir, List.of(Fixtures.bridge("lan", "10.15.0.0/24")), List.of(v.vm()));
    }

    BuildKey key(V v) { return key(v, "trixie"); }

    BuildKey key(V v, String codename) {
        Vm vm = v.vm();
        BaseSpec spec = new BaseSpec("debian", codename, "amd64", Recipe.debianPackages(vm, codename), vm.mirror());
        return BuildKey.of(manifest(v), vm, spec, null, PUB);
    }

    void assertFlips(String part, UnaryOperator<V> edit) {
        BuildKey before = key(V.base());
        BuildKey after = key(edit.apply(V.base()));
        assertNotEquals(before.key(), after.key(), part);
        assertTrue(after.changedSince(before.parts()).contains(part), after.changedSince(before.parts()).toString());
    }

    @Test
    void theSameInputsGiveTheSameKey() {
        assertEquals(key(V.base()).key(), key(V.base()).key());
        assertEquals(List.of(), key(V.base()).changedSince(key(V.base()).parts()));
    }

    @Test
    void everyInputOfTheImageFlipsTheKey() {
        assertFlips("packages", v -> new V(List.of("curl", "jq"), v.disk(), v.memory(), v.cpus(), v.kernelArgs(), v.accel(), v.user(),
                v.hostname(), v.bootTimeout(), v.mounts(), v.display(), v.network()));
        assertFlips("user", v -> new V(v.packages(), v.disk(), v.memory(), v.cpus(), v.kernelArgs(), v.accel(), "alice",
                v.hostname(), v.bootTimeout(), v.mounts(), v.display(), v.network()));
        assertFlips("hostname", v -> new V(v.packages(), v.disk(), v.memory(), v.cpus(), v.kernelArgs(), v.accel(), v.user(),
                "box.lab.example", v.bootTimeout(), v.mounts(), v.display(), v.network()));
        assertFlips("disk_size", v -> new V(v.packages(), 4L << 30, v.memory(), v.cpus(), v.kernelArgs(), v.accel(), v.user(),
                v.hostname(), v.bootTimeout(), v.mounts(), v.display(), v.network()));
        assertFlips("mounts", v -> new V(v.packages(), v.disk(), v.memory(), v.cpus(), v.kernelArgs(), v.accel(), v.user(),
                v.hostname(), v.bootTimeout(), List.of(new Mount(home, "/srv/data", true, "meros0")), v.display(), v.network()));
    }

    @Test
    void whatOnlyQemusCommandLineUsesLeavesTheKeyAlone() {
        String k = key(V.base()).key();
        V b = V.base();
        assertEquals(k, key(new V(b.packages(), b.disk(), 4096, b.cpus(), b.kernelArgs(), b.accel(), b.user(), b.hostname(), b.bootTimeout(), b.mounts(), b.display(), b.network())).key(), "memory");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), 4, b.kernelArgs(), b.accel(), b.user(), b.hostname(), b.bootTimeout(), b.mounts(), b.display(), b.network())).key(), "cpus");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), b.cpus(), b.kernelArgs(), b.accel(), b.user(), b.hostname(), 600, b.mounts(), b.display(), b.network())).key(), "boot_timeout");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), b.cpus(), "quiet loglevel=3", b.accel(), b.user(), b.hostname(), b.bootTimeout(), b.mounts(), b.display(), b.network())).key(), "kernel_args");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), b.cpus(), b.kernelArgs(), Vm.Accel.TCG, b.user(), b.hostname(), b.bootTimeout(), b.mounts(), b.display(), b.network())).key(), "accel");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), b.cpus(), b.kernelArgs(), b.accel(), b.user(), b.hostname(), b.bootTimeout(), b.mounts(), "gtk", b.network())).key(), "display");
        assertEquals(k, key(new V(b.packages(), b.disk(), b.memory(), b.cpus(), b.kernelArgs(), b.accel(), b.user(), b.hostname(), b.bootTimeout(), b.mounts(), b.display(), Vm.NetworkMode.BRIDGE)).key(), "network mode");
    }

    @Test
    void anIncludesContentFlipsTheKeyButItsModificationTimeDoesNot() throws IOException {
        BuildKey before = key(V.base());
        Path motd = dir.resolve("includes.chroot/etc/motd");
        Files.setLastModifiedTime(motd, FileTime.fromMillis(0));
        assertEquals(before.key(), key(V.base()).key(), "mtime only");
        Files.writeString(motd, "changed\n");
        BuildKey after = key(V.base());
        assertEquals(List.of("includes"), after.changedSince(before.parts()));
        assertEquals("includes changed", BuildKey.describe(after.changedSince(before.parts())));
    }

    @Test
    void anIncludesModeANewFileAndTheVmsOwnTreeFlipTheKey() throws IOException {
        BuildKey k0 = key(V.base());
        Files.setPosixFilePermissions(dir.resolve("includes.chroot/etc/motd"), PosixFilePermissions.fromString("rw-------"));
        BuildKey k1 = key(V.base());
        assertEquals(List.of("includes"), k1.changedSince(k0.parts()));
        Files.createDirectories(dir.resolve("box/includes.chroot/etc"));
        Files.writeString(dir.resolve("box/includes.chroot/etc/issue"), "box\n");
        BuildKey k2 = key(V.base());
        assertEquals(List.of("includes"), k2.changedSince(k1.parts()));
        Files.createSymbolicLink(dir.resolve("box/includes.chroot/etc/issue.net"), Path.of("issue"));
        assertEquals(List.of("includes"), key(V.base()).changedSince(k2.parts()));
    }

    @Test
    void aHooksContentANewHookAndARenamedHookFlipTheKey() throws IOException {
        BuildKey k0 = key(V.base());
        Path hook = dir.resolve("box/hooks/10-setup");
        Files.writeString(hook, "#!/bin/sh\necho two > /etc/one\n");
        BuildKey k1 = key(V.base());
        assertEquals(List.of("hooks"), k1.changedSince(k0.parts()));
        assertEquals("hooks changed", BuildKey.describe(k1.changedSince(k0.parts())));
        Files.move(hook, dir.resolve("box/hooks/20-setup"));
        BuildKey k2 = key(V.base());
        assertEquals(List.of("hooks"), k2.changedSince(k1.parts()));
        Path wide = dir.resolve("hooks/05-all");
        Files.createDirectories(wide.getParent());
        Files.writeString(wide, "#!/bin/sh\ntrue\n");
        Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(List.of("hooks"), key(V.base()).changedSince(k2.parts()));
    }

    @Test
    void anotherVmInTheConstellationChangesTheGuestConfigurationThroughEtcHosts() {
        V v = V.base();
        Vm box = v.vm();
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", Recipe.debianPackages(box, "trixie"), box.mirror());
        BuildKey alone = BuildKey.of(manifest(v), box, spec, null, PUB);
        Vm web = new Vm("web", "x86_64", "debian", "stable", List.of(), box.mirror(), 2L << 30, 1024, 2,
                List.of(new Nic("eth0", "lan", "10.15.0.11", "virtio-net-pci", "52:54:00:15:00:0b")), null, null, Vm.Accel.AUTO,
                "none", List.of(), "debian", null, Vm.NetworkMode.USER, false, 120, List.of(), List.of());
        Manifest two = Fixtures.manifest("lab", dir, List.of(Fixtures.bridge("lan", "10.15.0.0/24")), List.of(box, web));
        BuildKey withWeb = BuildKey.of(two, box, spec, null, PUB);
        assertEquals(List.of("guest configuration"), withWeb.changedSince(alone.parts()));
    }

    @Test
    void merosRecipeReleaseAndSshKeyFlipTheKeyAndTheDescriptionNamesTheCauseNotItsConsequences() {
        BuildKey trixie = key(V.base(), "trixie");
        BuildKey forky = key(V.base(), "forky");
        assertTrue(forky.changedSince(trixie.parts()).containsAll(List.of("release", "base root")));
        assertEquals("release changed", BuildKey.describe(forky.changedSince(trixie.parts())));

        BuildKey packages = key(new V(List.of("jq"), 2L << 30, 1024, 2, null, Vm.Accel.AUTO, "debian", null, 120, List.of(), "none", Vm.NetworkMode.USER));
        assertEquals("packages changed", BuildKey.describe(packages.changedSince(trixie.parts())), "base root follows from packages");

        BuildKey user = key(new V(List.of("curl"), 2L << 30, 1024, 2, null, Vm.Accel.AUTO, "alice", null, 120, List.of(), "none", Vm.NetworkMode.USER));
        assertEquals("user changed", BuildKey.describe(user.changedSince(trixie.parts())), "the sudoers file follows from the user");

        Map<String, String> olderRecipe = new LinkedHashMap<>(trixie.parts());
        olderRecipe.put("recipe", "base " + (BaseSpec.RECIPE_VERSION - 1) + ", compose " + BuildKey.COMPOSE_VERSION);
        assertNotEquals(new BuildKey(olderRecipe).key(), trixie.key());
        assertEquals("meros's recipe changed", BuildKey.describe(trixie.changedSince(olderRecipe)));
        Map<String, String> olderCompose = new LinkedHashMap<>(trixie.parts());
        olderCompose.put("recipe", "base " + BaseSpec.RECIPE_VERSION + ", compose 0");
        assertEquals("meros's recipe changed", BuildKey.describe(trixie.changedSince(olderCompose)));

        Vm vm = V.base().vm();
        BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", Recipe.debianPackages(vm, "trixie"), vm.mirror());
        BuildKey otherKey = BuildKey.of(manifest(V.base()), vm, spec, null, PUB.replace("Example", "Another"));
        assertEquals("meros's ssh key changed", BuildKey.describe(otherKey.changedSince(trixie.parts())));
    }

    // ---- ImageBuilder.status: the record beside the disk ----

    ImageBuilder builder() { return new ImageBuilder(new Home(home)); }

    /** Stand-ins for a built disk, kernel and initrd and the client key; returns the builder. */
    ImageBuilder built(V v, boolean withRecord) throws IOException {
        ImageBuilder b = builder();
        Files.createDirectories(home.resolve("data/disks/lab"));
        for (Path p : List.of(b.disk("lab", "box"), b.kernel("lab", "box"), b.initrd("lab", "box"))) Files.writeString(p, "x");
        Keys keys = new Keys(new Home(home), "lab", "box");
        Files.createDirectories(keys.dir());
        Files.writeString(keys.clientPub(), PUB + "\n");
        if (withRecord) {
            Vm vm = v.vm();
            BaseSpec spec = new BaseSpec("debian", "trixie", "amd64", Recipe.debianPackages(vm, "trixie"), vm.mirror());
            ImageBuilder.record(manifest(v), vm, spec, null, PUB).write(b.buildRecord("lab", "box"));
        }
        return b;
    }

    @Test
    void aMissingDiskIsNotBuilt() {
        ImageBuilder.Status st = builder().status(manifest(V.base()), "box");
        assertFalse(st.exists());
        assertEquals("not built", st.outOfDate());
        assertFalse(builder().isBuilt(manifest(V.base()), "box"));
    }

    @Test
    void aDiskWithoutRecordIsBootedAsItIsWithANotice() throws IOException {
        ImageBuilder b = built(V.base(), false);
        ImageBuilder.Status st = b.status(manifest(V.base()), "box");
        assertTrue(st.exists());
        assertNull(st.outOfDate(), "meros does not replace a disk it has no record of building");
        assertEquals("no build record (box.build.json): booting the disk as it is ('meros build lab box' rebuilds it)", st.notice());
        assertTrue(b.isBuilt(manifest(V.base()), "box"));
        Files.writeString(b.buildRecord("lab", "box"), "{\"format\": 1, \"key\": ");
        assertEquals(st, b.status(manifest(V.base()), "box"), "a torn record is no record");
    }

    @Test
    void aMatchingRecordIsUpToDateWithoutAskingTheMirrorForTheRelease() throws IOException {
        // the VM's mirror (127.0.0.1:1) answers nothing: the recorded codename is used for the unchanged "stable"
        ImageBuilder b = built(V.base(), true);
        ImageBuilder.Status st = b.status(manifest(V.base()), "box");
        assertNull(st.outOfDate(), String.valueOf(st));
        assertNull(st.notice());
        assertTrue(b.isBuilt(manifest(V.base()), "box"));
        V more = new V(List.of("curl"), 2L << 30, 8192, 8, null, Vm.Accel.TCG, "debian", null, 900, List.of(), "none", Vm.NetworkMode.USER);
        assertTrue(b.isBuilt(manifest(more), "box"), "memory, cpus, accel, boot_timeout do not make it stale");
    }

    @Test
    void aChangedIncludeOrPackageMakesTheDiskOutOfDateAndSaysWhat() throws IOException {
        ImageBuilder b = built(V.base(), true);
        Files.writeString(dir.resolve("includes.chroot/etc/motd"), "changed\n");
        assertEquals("includes changed", b.status(manifest(V.base()), "box").outOfDate());
        V jq = new V(List.of("curl", "jq"), 2L << 30, 1024, 2, null, Vm.Accel.AUTO, "debian", null, 120, List.of(), "none", Vm.NetworkMode.USER);
        assertEquals("packages, includes changed", b.status(manifest(jq), "box").outOfDate());
    }

    @Test
    void aChangedReleaseWithAnUnreachableMirrorKeepsTheDiskWithANotice() throws IOException {
        ImageBuilder b = built(V.base(), true);
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { closed = s.getLocalPort(); }
        Vm vm = V.base().vm();
        Vm bookworm = new Vm("box", "x86_64", "debian", "oldstable", vm.packages(), "http://127.0.0.1:" + closed + "/debian", vm.diskSizeBytes(),
                vm.memoryMiB(), vm.cpus(), vm.networks(), null, null, vm.accel(), vm.display(), List.of(), vm.user(), null, vm.network(),
                false, 120, List.of(), List.of());
        Manifest m = Fixtures.manifest("lab", dir, List.of(Fixtures.bridge("lan", "10.15.0.0/24")), List.of(bookworm));
        ImageBuilder.Status st = b.status(m, "box");
        assertNull(st.outOfDate(), String.valueOf(st));
        assertTrue(st.notice().startsWith("could not check the image against the manifest (mirror http://127.0.0.1:" + closed + "/debian unreachable"), st.notice());
    }
}
