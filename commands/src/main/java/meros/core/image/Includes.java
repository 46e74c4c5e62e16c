package meros.core.image;

import meros.core.base.IncludeTree;
import meros.core.base.MerosException;
import meros.core.host.Privileges;
import meros.core.manifest.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies an {@code includes.chroot/} tree into a guest root: regular files, directories and symlinks,
 * keeping modes, ownership (when running as root) and modification times; a later tree overwrites an
 * earlier one. Nothing may land outside the root: a relative symlink whose target climbs out of the
 * tree is refused, and so is any write whose parent directory resolves (through a symlink already in
 * the root) to somewhere outside it.
 */
public final class Includes {
    private Includes() { }

    /**
     * Checks a tree without copying ({@link IncludeTree#problems}); returns the problems as {@code /path: why}, empty
     * when it is safe.
     *
     * @throws MerosException FAILED when the tree cannot be read
     */
    public static List<String> check(Path tree) {
        try {
            return IncludeTree.problems(tree).stream().map(IncludeTree.Problem::text).toList();
        } catch (UncheckedIOException e) {
            throw Fs.ioError("reading " + tree, e.getCause());
        }
    }

    /**
     * Refuses, before a build starts anything, what {@link #check} finds in the VM's include trees
     * ({@code includes.chroot/}, then {@code <vm>/includes.chroot/}); the copy would refuse the same later, or the
     * guest could not run the file.
     *
     * @throws MerosException USAGE (as the copy) with each problem, its path relative to the constellation's directory
     */
    public static void refuseProblems(Manifest m, String vm) {
        List<String> all = new ArrayList<>();
        for (var tree : List.of(Map.entry(m.includes(), "includes.chroot/"), Map.entry(m.vmIncludes(vm), vm + "/includes.chroot/"))) {
            for (String p : check(tree.getKey())) all.add(tree.getValue() + (p.startsWith("/") ? p.substring(1) : p));
        }
        if (!all.isEmpty()) throw MerosException.usage(String.join("; ", all));
    }

    /** Copies {@code tree} into {@code root}; refuses (one-line error, nothing copied) if {@link #check} finds problems. */
    public static int copy(Path tree, Path root) {
        if (!Files.isDirectory(tree)) return 0;
        List<String> problems = check(tree);
        if (!problems.isEmpty()) {
            throw MerosException.usage("unsafe include in " + tree + ": " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        }
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw Fs.ioError("resolving " + root, e);
        }
        boolean asRoot = Privileges.isRoot();
        int[] count = {0};
        List<Path[]> dirTimes = new ArrayList<>();
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                    Path rel = tree.relativize(d);
                    if (rel.toString().isEmpty()) return FileVisitResult.CONTINUE;
                    Path dest = root.resolve(rel.toString());
                    requireInside(realRoot, dest.getParent(), rel);
                    if (Files.isSymbolicLink(dest)) {
                        // an include directory over a guest symlink (e.g. /lib -> usr/lib): follow it only if it stays inside
                        requireInside(realRoot, dest, rel);
                        count[0]++;
                        return FileVisitResult.CONTINUE; // the guest's link and its target's attributes stay
                    } else if (!Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(dest);
                        Files.createDirectory(dest);
                    }
                    copyAttributes(d, dest, asRoot);
                    dirTimes.add(new Path[] {d, dest});
                    count[0]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Path rel = tree.relativize(f);
                    Path dest = root.resolve(rel.toString());
                    requireInside(realRoot, dest.getParent(), rel);
                    if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                        throw MerosException.usage("include /" + rel + " would replace a directory in the root");
                    }
                    Files.deleteIfExists(dest); // never write through an existing symlink
                    if (a.isSymbolicLink()) {
                        Files.createSymbolicLink(dest, Files.readSymbolicLink(f));
                        if (asRoot) chown(f, dest);
                    } else {
                        Files.copy(f, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                        copyAttributes(f, dest, asRoot);
                    }
                    count[0]++;
                    return FileVisitResult.CONTINUE;
                }
            });
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                Path dest = dirTimes.get(i)[1];
                if (Files.isSymbolicLink(dest)) continue;
                FileTime t = Files.getLastModifiedTime(dirTimes.get(i)[0]);
                Files.setLastModifiedTime(dest, t);
            }
        } catch (IOException e) {
            throw Fs.ioError("copying includes from " + tree, e);
        }
        return count[0];
    }

    private static void copyAttributes(Path src, Path dest, boolean asRoot) throws IOException {
        PosixFileAttributes pa = Files.readAttributes(src, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributeView v = Files.getFileAttributeView(dest, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (asRoot) chown(src, dest);
        v.setPermissions(pa.permissions());
        // setuid/setgid/sticky bits are not in PosixFilePermission: carry them with the unix view
        int mode = (Integer) Files.getAttribute(src, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 07000) != 0) Files.setAttribute(dest, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
    }

    /** Numeric owner and group, as stored (no name lookup: the guest's users are not the host's). */
    private static void chown(Path src, Path dest) throws IOException {
        Files.setAttribute(dest, "unix:uid", Files.getAttribute(src, "unix:uid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dest, "unix:gid", Files.getAttribute(src, "unix:gid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
    }

    private static void requireInside(Path realRoot, Path dir, Path rel) throws IOException {
        Path real = dir.toRealPath();
        if (!real.startsWith(realRoot)) {
            throw MerosException.usage("include /" + rel + " would be written outside the root (through " + real + ")");
        }
    }
}
