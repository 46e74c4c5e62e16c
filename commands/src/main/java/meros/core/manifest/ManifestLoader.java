package meros.core.manifest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a constellation directory's manifest, validates it and resolves defaults. */
public final class ManifestLoader {
    private ManifestLoader() { }

    /** {@code <dir>/<name>.yml}, else {@code <dir>/manifest.yml}, else null. */
    public static Path manifestFile(Path dir) {
        Path named = dir.resolve(dir.getFileName() + ".yml");
        if (Files.isRegularFile(named)) return named;
        Path generic = dir.resolve("manifest.yml");
        if (Files.isRegularFile(generic)) return generic;
        return null;
    }

    /** Loads and validates; throws {@link ManifestException} listing every problem. */
    public static Manifest load(Path dir) {
        throw new UnsupportedOperationException("TODO: manifest parsing (issue 2)");
    }
}
