package meros.core.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Writes a manifest into {@code <tmp>/constellations/<name>/<name>.yml} and loads it (a good one is also checked against the schema). */
final class ManifestTestSupport {
    private ManifestTestSupport() { }

    static Path write(Path root, String name, String yaml) {
        try {
            Path dir = Files.createDirectories(root.resolve("constellations").resolve(name));
            Files.writeString(dir.resolve(name + ".yml"), yaml);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads a manifest that must be valid, and checks that {@code show}'s output of it is a manifest that
     * loads to the same bridges and VMs: so every good manifest of the tests is also a round-trip case.
     * Every such manifest must also pass the shipped JSON Schema.
     */
    static Manifest load(Path root, String name, String yaml) {
        Manifest m = ManifestLoader.load(write(root, name, yaml));
        assertRoundTrips(root.resolve("show-round-trip"), m);
        SchemaCheck.assertPasses("manifest '" + name + "'", yaml);
        return m;
    }

    /** {@code show}'s output validates to the same resolved manifest (written under {@code scratch}). */
    static void assertRoundTrips(Path scratch, Manifest m) {
        String shown = ManifestYaml.dump(m);
        Manifest again;
        try {
            again = ManifestLoader.load(write(scratch, m.name(), shown));
        } catch (ManifestException e) {
            throw new AssertionError("show's output of " + m.name() + " does not validate:\n" + e.getMessage() + "\n" + shown, e);
        }
        assertEquals(m.bridges(), again.bridges(), () -> "bridges after show of " + m.name() + ":\n" + shown);
        assertEquals(m.vms(), again.vms(), () -> "VMs after show of " + m.name() + ":\n" + shown);
        assertEquals(shown, ManifestYaml.dump(again), "show is stable");
    }

    /** The problem lines the loader reports for this manifest (it must fail). */
    static List<String> problems(Path root, String name, String yaml) {
        Path dir = write(root, name, yaml);
        ManifestException e = assertThrows(ManifestException.class, () -> ManifestLoader.load(dir));
        return e.problems().stream().map(Problem::toString).toList();
    }
}
