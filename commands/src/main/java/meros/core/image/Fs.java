package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.FileTrees;
import meros.core.base.MerosException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/** File helpers for the builder: one-line errors (ENOSPC named as such), recursive delete, atomic writes. */
final class Fs {
    private Fs() { }

    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("No space left on device")) return true;
        }
        return false;
    }

    static MerosException ioError(String doing, IOException e) {
        if (isNoSpace(e)) return new MerosException(ExitCode.FAILED, "no space left on device while " + doing, e);
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof NoSuchFileException) m = "no such file " + m;
        return new MerosException(ExitCode.FAILED, doing + " failed: " + m, e);
    }

    /** The SHA-256 of a file's content, lower-case hex (read in 64 KiB pieces). */
    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link FileTrees#deleteTree}. */
    static void deleteTree(Path p) {
        FileTrees.deleteTree(p);
    }

    /** {@link FileTrees#deleteQuietly}. */
    static void deleteQuietly(Path p) {
        FileTrees.deleteQuietly(p);
    }

    /** Writes {@code content} to {@code f} (creating parents) with the given mode, e.g. "rw-r--r--". */
    static void write(Path f, String content, String mode) {
        try {
            Files.createDirectories(f.getParent());
            Files.deleteIfExists(f); // replace a symlink rather than write through it
            Files.writeString(f, content);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw ioError("writing " + f, e);
        }
    }

    static Set<PosixFilePermission> perms(String mode) { return PosixFilePermissions.fromString(mode); }

    /** Size of a tree in bytes (files and symlinks as stored, not following links). */
    static long treeSize(Path root) {
        long[] sum = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    sum[0] += ((a.size() + 4095) / 4096) * 4096;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    sum[0] += 4096;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw ioError("measuring " + root, e);
        }
        return sum[0];
    }
}
