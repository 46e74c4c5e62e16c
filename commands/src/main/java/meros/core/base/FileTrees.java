package meros.core.base;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removing a directory tree. */
public final class FileTrees {
    private FileTrees() { }

    /**
     * Deletes {@code p} and everything under it without following symbolic links (a link is removed, not what it
     * names); a read-only directory is made writable first so it can be emptied. Missing is fine.
     *
     * @throws UncheckedIOException naming {@code p} when something in it cannot be removed
     */
    public static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                    // a read-only directory in a guest tree must still be emptied
                    if (!Files.isWritable(d)) d.toFile().setWritable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) throw e;
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }

    /** {@link #deleteTree}, best effort: for failure paths and caches, where what stays costs only disk. */
    public static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (RuntimeException ignored) {
            // best effort
        }
    }
}
