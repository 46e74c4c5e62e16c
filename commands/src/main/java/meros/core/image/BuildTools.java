package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.host.HostTools;
import meros.core.proc.Proc;

import java.util.Map;

/**
 * The host programs the image builder runs, and the Debian package that provides each: the shared table
 * {@link HostTools#TOOLS} first, then the few only the builder uses.
 */
public final class BuildTools {
    private BuildTools() { }

    static final Map<String, String> BUILDER_ONLY = Map.of(
            "chroot", "coreutils",
            "unshare", "util-linux",
            "tar", "tar",
            "virt-customize", "libguestfs-tools",
            "virt-get-kernel", "libguestfs-tools");

    /** The Debian package providing {@code tool}. */
    public static String packageOf(String tool) {
        for (HostTools.Tool t : HostTools.TOOLS) if (t.name().equals(tool)) return t.pkg();
        return BUILDER_ONLY.getOrDefault(tool, tool);
    }

    /** Throws a one-line error naming the package when {@code tool} is not on PATH. */
    public static void require(String tool) {
        if (!Proc.onPath(tool)) throw missing(tool);
    }

    static MerosException missing(String tool) {
        String pkg = packageOf(tool);
        return new MerosException(ExitCode.MISSING_TOOL, tool + " not found: install the Debian package '" + pkg + "' (apt-get install " + pkg + ")");
    }
}
