package meros.core.manifest;

import meros.core.base.Home;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ManifestYamlTest {
    @TempDir Path tmp;

    @Test
    void dumpIsAManifestThatLoadsToTheSameThing() {
        for (String name : new String[] {"demo", "lab"}) {
            Manifest shipped = ManifestLoader.load(Home.detect().constellations().resolve(name));
            Manifest again = ManifestTestSupport.load(tmp, name, ManifestYaml.dump(shipped));
            assertEquals(shipped.bridges(), again.bridges(), name);
            assertEquals(shipped.vms(), again.vms(), name);
        }
    }
}
