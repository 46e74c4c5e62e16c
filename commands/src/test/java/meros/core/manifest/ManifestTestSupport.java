package meros.core.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** Loads a manifest that must be valid; every such manifest must also pass the shipped JSON Schema. */
    static Manifest load(Path root, String name, String yaml) {
        Manifest m = ManifestLoader.load(write(root, name, yaml));
        SchemaCheck.assertPasses("manifest '" + name + "'", yaml);
        return m;
    }

    /** The problem lines the loader reports for this manifest (it must fail). */
    static List<String> problems(Path root, String name, String yaml) {
        Path dir = write(root, name, yaml);
        ManifestException e = assertThrows(ManifestException.class, () -> ManifestLoader.load(dir));
        return e.problems().stream().map(Problem::toString).toList();
    }
}
