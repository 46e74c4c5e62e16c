package meros.core.image;

import java.nio.file.Path;

/** Makes a base root tarball for a {@link BaseSpec}. */
interface Bootstrapper {
    /** Writes an uncompressed tar of the base root to {@code tarball}; {@code work} is a scratch directory. */
    void bootstrap(BaseSpec spec, Path tarball, Path work, Step step);
}
