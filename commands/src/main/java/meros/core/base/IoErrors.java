package meros.core.base;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * One-line reasons for I/O errors. The JDK's file-system exceptions carry the file as their message and the reason
 * apart ({@link FileSystemException#getReason()}, often null for its subclasses), so "cannot write F: " +
 * {@code e.getMessage()} would say "cannot write F: F". Here the reason is spelled as the C library's {@code strerror} spells
 * it for the same errno (ENOENT "No such file or directory", EACCES "Permission denied", ...).
 */
public final class IoErrors {
    private IoErrors() { }

    /**
     * Why {@code e} happened, in words: the reason, then the file it concerns unless that is {@code subject} (what the
     * caller's message already names), e.g. {@code "No such file or directory"} or
     * {@code "Permission denied (/etc/x.conf)"}; for an exception that is not a file-system one, its message (or its
     * class's simple name when it has none).
     *
     * @param e       the error
     * @param subject the file the caller's own message names (a Path or String), or null
     */
    public static String reason(IOException e, Object subject) {
        if (!(e instanceof FileSystemException fse)) {
            return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        }
        String why = fse.getReason();
        if (why == null || why.isBlank()) why = kind(fse);
        StringBuilder b = new StringBuilder(why);
        String file = fse.getFile();
        String other = fse.getOtherFile();
        boolean named = subject != null && file != null && file.equals(subject.toString());
        if (file != null && !named) b.append(" (").append(file).append(other != null ? " -> " + other : "").append(')');
        return b.toString();
    }

    /**
     * A one-line message for an error nothing more specific caught: for an {@link IOException}, or an
     * {@link UncheckedIOException} that only wraps one, {@link #reason(IOException, Object)} naming its file; for an
     * {@link UncheckedIOException} with its own message ({@code cannot create F}), that message and the reason, unless
     * it says the reason already; otherwise
     * the error's message, or its class's simple name when it has none (never {@code toString()}, which would show the
     * class's full name).
     */
    public static String message(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null
                && (u.getMessage() == null || u.getMessage().equals(u.getCause().toString()))) {
            return reason(u.getCause(), null);
        }
        if (t instanceof UncheckedIOException u && u.getCause() != null) { // "cannot create F" and the reason, once
            String why = reason(u.getCause(), null);
            String bare = u.getCause() instanceof FileSystemException f ? reason(u.getCause(), f.getFile()) : why;
            if (u.getMessage().contains(bare)) return u.getMessage();
            String file = u.getCause() instanceof FileSystemException f ? f.getFile() : null;
            return u.getMessage() + ": " + (file != null && names(u.getMessage(), file) ? bare : why);
        }
        if (t instanceof IOException io) return reason(io, null);
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Whether {@code message} names {@code file} itself, not only a path below it ({@code /a/b} names {@code /a/b}, not {@code /a}). */
    private static boolean names(String message, String file) {
        for (int i = message.indexOf(file); i >= 0; i = message.indexOf(file, i + 1)) {
            int end = i + file.length();
            if (end == message.length() || message.charAt(end) != '/' && !Character.isLetterOrDigit(message.charAt(end))) return true;
        }
        return false;
    }

    private static String kind(FileSystemException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        if (e instanceof FileAlreadyExistsException) return "File exists";
        if (e instanceof DirectoryNotEmptyException) return "Directory not empty";
        if (e instanceof NotDirectoryException) return "Not a directory";
        if (e instanceof FileSystemLoopException) return "Too many levels of symbolic links";
        if (e instanceof NotLinkException) return "Not a symbolic link";
        return "File system error";
    }
}
