package meros.core.image;

import meros.core.manifest.Manifest;
import meros.core.manifest.Vm;

import java.nio.file.Path;
import java.util.List;

/** The shipped demo constellation as records (until the manifest loader lands on main). */
final class DemoManifest {
    private DemoManifest() { }

    static Manifest load(Path dir) {
        Vm box = new Vm("box", "x86_64", "debian", "stable", List.of("curl"), null, 2L << 30, 1024, 2, List.of(), null, null,
                Vm.Accel.AUTO, "none", List.of(), "debian", "box", Vm.NetworkMode.USER, false, 120);
        return Fixtures.manifest("demo", dir, List.of(), List.of(box));
    }
}
