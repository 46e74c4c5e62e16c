package meros.core.manifest;

import java.nio.file.Path;

/**
 * One host directory shared with a VM ({@code mounts:}).
 *
 * @param source   the host directory, absolute and normalized (the manifest's relative names resolve against the
 *                 constellation directory)
 * @param target   where the guest mounts it: an absolute path
 * @param readonly the guest mounts it read-only (default false); 9p also refuses writes on the host side
 * @param tag      the device tag the guest mounts by ({@code meros0}, {@code meros1}, ... in manifest order)
 */
public record Mount(Path source, String target, boolean readonly, String tag) { }
