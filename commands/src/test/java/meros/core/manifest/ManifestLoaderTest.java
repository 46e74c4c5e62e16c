package meros.core.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static meros.core.manifest.ManifestTestSupport.load;
import static meros.core.manifest.ManifestTestSupport.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ManifestLoaderTest {
    @TempDir Path tmp;

    @Test
    void minimalVmGetsEveryDefault() {
        Manifest m = load(tmp, "mini", """
                virtual_machines:
                  box:
                """);
        assertEquals("mini", m.name());
        assertEquals(Map.of(), m.bridges());
        Vm v = m.vm("box");
        assertEquals(new Vm("box", "x86_64", "debian", "stable", List.of(), null, 2L << 30, 1024, 1, List.of(),
                null, "", Vm.Accel.AUTO, "none", List.of(), "debian", "box", Vm.NetworkMode.AUTO, false, 180), v);
    }

    @Test
    void seedExampleOnOneLineIsAClearSyntaxError() {
        assertEquals(List.of("constellations/seed/seed.yml:2:26: YAML syntax error: mapping values are not allowed here"
                        + " — did you put a key and its nested mapping on one line? Put the nested key on its own, indented line"),
                problems(tmp, "seed", """
                        bridges: {}
                        virtual_machines: vm_name:
                            arch: "x86_64"
                        """));
    }
}
