package meros.core.base;

import java.nio.file.Path;

/**
 * Symlinks inside a directory tree that is copied into a guest's root ({@code includes.chroot/}): a relative target
 * that climbs above the tree's root would point outside the guest once copied; an absolute one is read inside the
 * guest (chroot semantics) and stays there.
 */
public final class TreeLinks {
    private TreeLinks() { }

    /**
     * Why a symlink at {@code rel} (relative to the tree's root) with {@code target} escapes the root, or null when it
     * stays inside: {@code "/etc/x: symlink target '../../..' escapes the root"}. The link is not followed; only the
     * names of {@code target} are counted ({@code ..} up, any other name but {@code .} down).
     */
    public static String escape(Path rel, Path target) {
        if (target.isAbsolute()) return null;
        Path parent = rel.getParent();
        int depth = parent == null ? 0 : parent.getNameCount();
        for (Path part : target) {
            String p = part.toString();
            if (p.equals("..")) depth--;
            else if (!p.equals(".") && !p.isEmpty()) depth++;
            if (depth < 0) return "/" + rel + ": symlink target '" + target + "' escapes the root";
        }
        return null;
    }
}
