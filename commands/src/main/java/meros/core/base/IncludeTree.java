package meros.core.base;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a build refuses in a directory tree it copies into a guest's root ({@code includes.chroot/}), found without
 * copying, so that {@code validate} and the build find the same things: a relative symlink whose target climbs above
 * the tree's root (it would point outside the guest once copied; an absolute target is read inside the guest, chroot
 * semantics, and stays there), a file that is neither a regular file, a directory nor a symlink (a named pipe, a
 * socket, a device: the copy keeps only those three), and an executable the guest's kernel could not start as a
 * script ({@link #scriptProblem}).
 */
public final class IncludeTree {
    private IncludeTree() { }

    /**
     * One thing the build refuses.
     *
     * @param path the entry's path from the tree's root, with a leading {@code /} ({@code /etc/x})
     * @param why  what is wrong with it, e.g. {@code symlink target '../..' escapes the root}
     * @param fix  what to do about it, or null when {@code why} says it
     */
    public record Problem(String path, String why, String fix) {
        /** {@code /etc/x: why}. */
        public String text() { return path + ": " + why; }
    }

    /** What to do about a symlink that escapes the tree. */
    public static final String LINK_FIX = "make it absolute, as the guest sees it, or point it inside the tree";
    /** What to do about a file that is neither a regular file, a directory nor a symlink. */
    public static final String SPECIAL_FIX = "remove it: only regular files, directories and symlinks are copied";

    /** The most of a script's first line read to check it, in bytes. */
    public static final int FIRST_LINE_MAX = 512;

    /**
     * The problems of {@code tree}, by path (none when it is not a directory). Reads the tree's
     * entries' attributes, symlinks' targets, and the first {@link #FIRST_LINE_MAX} bytes of each executable file.
     *
     * @throws UncheckedIOException when the tree cannot be read
     */
    public static List<Problem> problems(Path tree) {
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(tree)) return problems;
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Path rel = tree.relativize(f);
                    String shown = "/" + rel;
                    if (a.isSymbolicLink()) {
                        String why = escape(rel, Files.readSymbolicLink(f));
                        if (why != null) problems.add(new Problem(shown, why, LINK_FIX));
                    } else if (!a.isRegularFile()) {
                        problems.add(new Problem(shown, kind(f) + ", not a regular file, directory or symlink", SPECIAL_FIX));
                    } else if (Files.isExecutable(f)) {
                        String why = scriptProblem(head(f));
                        if (why != null) problems.add(new Problem(shown, "an executable that " + why, null));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tree, e);
        }
        problems.sort(Comparator.comparing(Problem::path));
        return problems;
    }

    /** What kind of special file {@code f} is (stat(2)'s file type in {@code unix:mode}). */
    private static String kind(Path f) {
        try {
            int type = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
            return switch (type) {
                case 0010000 -> "a named pipe (FIFO)";
                case 0140000 -> "a socket";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException e) {
            return "a special file";
        }
    }

    /**
     * Why a symlink at {@code rel} (relative to the tree's root) with {@code target} escapes the root, or null when it
     * stays inside: {@code symlink target '../../..' escapes the root}. The link is not followed; only the names of
     * {@code target} are counted ({@code ..} up, any other name but {@code .} down).
     */
    public static String escape(Path rel, Path target) {
        if (target.isAbsolute()) return null;
        Path parent = rel.getParent();
        int depth = parent == null ? 0 : parent.getNameCount();
        for (Path part : target) {
            String p = part.toString();
            if (p.equals("..")) depth--;
            else if (!p.equals(".") && !p.isEmpty()) depth++;
            if (depth < 0) return "symlink target '" + target + "' escapes the root";
        }
        return null;
    }

    /**
     * Why the kernel could not start a file as a script, from its first bytes ({@link #head}), or null: a byte-order mark
     * before {@code #!} (the kernel then does not see a script: "Exec format error"), or CRLF line ends after
     * {@code #!} (the interpreter asked for is {@code /bin/sh\r}, which does not exist: "No such file or directory",
     * the usual symptom of a script saved on Windows). A phrase to follow the file's name.
     */
    public static String scriptProblem(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        if (text.startsWith("\u00EF\u00BB\u00BF#!")) {
            return "starts with a byte-order mark before '#!', so the kernel does not run it as a script; save it as UTF-8 without BOM";
        }
        if (text.startsWith("#!")) {
            int nl = text.indexOf('\n');
            if (nl > 0 && text.charAt(nl - 1) == '\r') {
                return "has Windows (CRLF) line ends: its first line asks for the interpreter '" + text.substring(2, nl - 1).strip()
                        + "\\r', which does not exist; convert it (dos2unix, or git config core.autocrlf input)";
            }
        }
        return null;
    }

    /** The first {@link #FIRST_LINE_MAX} bytes of {@code file} (fewer when it is shorter). */
    public static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(FIRST_LINE_MAX);
        }
    }
}
