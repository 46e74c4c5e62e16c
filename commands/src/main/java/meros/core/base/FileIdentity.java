package meros.core.base;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which version of a file is there: its absolute path, size in bytes, modification time and file key (device and
 * inode on Linux). A file replaced by a rename (a rebuilt disk) or rewritten has another identity, even at the same
 * path and size.
 */
public final class FileIdentity {
    private FileIdentity() { }

    /**
     * The identity of {@code p} as one line ({@code /abs/path SIZE MTIME (dev=...,ino=...)}), {@code "none"} for
     * null, {@code "<path> missing"} when it cannot be read. Reads the file's attributes only.
     */
    public static String of(Path p) {
        if (p == null) return "none";
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return p.toAbsolutePath() + " " + a.size() + " " + a.lastModifiedTime().toInstant() + " " + a.fileKey();
        } catch (IOException e) {
            return p + " missing";
        }
    }
}
