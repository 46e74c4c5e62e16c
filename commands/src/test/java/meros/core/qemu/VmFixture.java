package meros.core.qemu;

import meros.core.base.FileTrees;
import meros.core.manifest.ManifestLoader;
import meros.core.manifest.Vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** VMs made the way users make them: a manifest loaded from a scratch constellation directory. */
final class VmFixture {
    private VmFixture() { }

    static Vm vm(Vm.Accel accel) { return vm(accel, "x86_64"); }

    static Vm vm(Vm.Accel accel, String arch) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("meros-vmfixture");
            Path dir = Files.createDirectories(tmp.resolve("fx"));
            Files.writeString(dir.resolve("fx.yml"), "virtual_machines:\n  box:\n    network: user\n    arch: " + arch + "\n    accel: "
                    + accel.name().toLowerCase(Locale.ROOT) + "\n");
            return ManifestLoader.load(dir).vm("box");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            FileTrees.deleteTree(tmp); // the loaded manifest holds what the tests use
        }
    }
}
