package meros.core.image;

import meros.core.ExitCode;
import meros.core.MerosException;
import meros.core.proc.Proc;

import java.util.Map;

/** The host programs the image builder runs, and the Debian package that provides each. */
public final class BuildTools {
    private BuildTools() { }

    static final Map<String, String> PACKAGE = Map.ofEntries(
            Map.entry("mmdebstrap", "mmdebstrap"),
            Map.entry("debootstrap", "debootstrap"),
            Map.entry("mke2fs", "e2fsprogs"),
            Map.entry("debugfs", "e2fsprogs"),
            Map.entry("qemu-img", "qemu-utils"),
            Map.entry("ssh-keygen", "openssh-client"),
            Map.entry("chroot", "coreutils"),
            Map.entry("tar", "tar"),
            Map.entry("virt-customize", "libguestfs-tools"));

    /** Throws a one-line error naming the package when {@code tool} is not on PATH. */
    public static void require(String tool) {
        if (!Proc.onPath(tool)) throw missing(tool);
    }

    static MerosException missing(String tool) {
        String pkg = PACKAGE.getOrDefault(tool, tool);
        return new MerosException(ExitCode.MISSING_TOOL, tool + " not found: install the Debian package '" + pkg + "' (apt-get install " + pkg + ")");
    }
}
