package meros.core.base;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A lock file: an OS file lock, so it is released when the holding process dies however it dies. The holder writes
 * its pid into the file for the error message. {@code meros.core.state.Lock} (a constellation's), the build's and the
 * kernel build's locks are these.
 *
 * <p>The OS lock is a POSIX record lock (what {@link FileChannel#tryLock} takes on Linux), which a process loses when it
 * closes <em>any</em> descriptor of the file (fcntl(2), "Advisory record locking"). So this process never opens a lock
 * file it holds: a second {@code acquire} of a held file in this process (another thread) is refused from a table of
 * the files this process holds, and the lock file is read only through the channel that locks it.
 *
 * <p>Taken with {@code removeWhenAlone}, the lock leaves nothing behind where there is nothing else: released, it
 * removes its file, and its directory when that holds nothing else, and the directories above it that taking it made
 * when they hold nothing else. The file is removed while the lock is held; a
 * process that opened it just before and locks it just after finds that the path no longer names the file it locked,
 * and tries again.
 */
public final class LockFile implements AutoCloseable {
    /** How often {@link #acquire} tries again when the lock file was removed or replaced while it was being locked. */
    static final int ATTEMPTS = 5;

    /** The lock files this process holds (absolute, normalised). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean removeWhenAlone;
    /** The directories above the lock file's own that were missing when it was taken, deepest first. */
    private final List<Path> madeAbove;

    private LockFile(Path file, FileChannel channel, FileLock lock, boolean removeWhenAlone, List<Path> madeAbove) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.removeWhenAlone = removeWhenAlone;
        this.madeAbove = madeAbove;
    }

    /** The ancestors of {@code dir} (not {@code dir} itself) that do not exist, deepest first. */
    private static List<Path> missingAbove(Path dir) {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir.getParent(); p != null && !Files.exists(p); p = p.getParent()) missing.add(p);
        return missing;
    }

    private static void makeDirectory(Path dir, boolean ownerOnly) throws IOException {
        Files.createDirectories(dir);
        if (ownerOnly) Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * Takes the lock on {@code given}, creating it and its directory when missing, or throws {@link ExitCode#BUSY} with
     * {@code busy} applied to the holder's pid ({@code ?} when unknown).
     *
     * @param removeWhenAlone released, remove the file, and its directory when that holds nothing else
     * @param ownerOnly       directories it creates are {@code rwx------}, the file {@code rw-------}
     * @throws MerosException BUSY (held by another process, or by this one), FAILED when the file cannot be made or locked
     */
    public static LockFile acquire(Path given, UnaryOperator<String> busy, boolean removeWhenAlone, boolean ownerOnly) {
        Path file = given.toAbsolutePath().normalize();
        if (!HELD.add(file)) throw new MerosException(ExitCode.BUSY, busy.apply(Long.toString(ProcessHandle.current().pid())));
        LockFile taken = null;
        try {
            taken = take(file, busy, removeWhenAlone, ownerOnly);
            return taken;
        } finally {
            if (taken == null) HELD.remove(file);
        }
    }

    private static LockFile take(Path file, UnaryOperator<String> busy, boolean removeWhenAlone, boolean ownerOnly) {
        IOException last = null;
        List<Path> madeAbove = missingAbove(file.getParent());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            FileChannel ch = null;
            try {
                makeDirectory(file.getParent(), ownerOnly);
                try {
                    Files.createFile(file);
                } catch (FileAlreadyExistsException e) {
                    // taken before, or being taken now
                }
                // the path names the same file before and after the open: the channel is on that file
                Object before = fileKey(file);
                ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                if (before == null || !before.equals(fileKey(file))) {
                    ch.close();
                    continue;
                }
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) { // this process holds it under another name (a symlink)
                    ch.close();
                    throw new MerosException(ExitCode.BUSY, busy.apply(Long.toString(ProcessHandle.current().pid())));
                }
                if (l == null) {
                    String holder = read(ch);
                    ch.close();
                    throw new MerosException(ExitCode.BUSY, busy.apply(holder.isEmpty() ? "?" : holder));
                }
                if (!before.equals(fileKey(file))) { // removed by its last holder after this opened it
                    l.release();
                    ch.close();
                    continue;
                }
                if (ownerOnly) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(false);
                return new LockFile(file, ch, l, removeWhenAlone, madeAbove);
            } catch (NoSuchFileException e) { // the directory was removed meanwhile: make it again
                last = e;
                closeQuietly(ch);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new MerosException(ExitCode.FAILED, "cannot lock " + file + ": " + IoErrors.reason(e, file), e);
            }
        }
        throw new MerosException(ExitCode.FAILED, "cannot lock " + file + ": it was removed or replaced " + ATTEMPTS
                + " times while being locked" + (last == null ? "" : " (" + IoErrors.reason(last, file) + ")"));
    }

    /** The file's identity (device and inode), without opening it; null when it does not exist. */
    private static Object fileKey(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The holder's pid as it wrote it (a pid is at most 7 digits on Linux). */
    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            if (ch != null) ch.close();
        } catch (IOException ignored) {
            // reporting the first problem
        }
    }

    @Override
    public void close() {
        boolean removed = false;
        try {
            if (removeWhenAlone && onlyFileIn(file.getParent(), file)) {
                Files.delete(file); // while held: see the class comment
                removed = true;
            } else {
                channel.truncate(0);
            }
            lock.release();
        } catch (IOException ignored) {
            // the OS drops the lock with the descriptor anyway
        } finally {
            closeQuietly(channel);
            HELD.remove(file);
        }
        if (removed) {
            try {
                Files.deleteIfExists(file.getParent());
                for (Path above : madeAbove) Files.deleteIfExists(above); // made for this lock alone: they go with it
            } catch (IOException ignored) {
                // something was made in it meanwhile: it stays, and so do the directories above it
            }
        }
    }

    private static boolean onlyFileIn(Path dir, Path file) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().equals(file.getFileName()));
        }
    }
}
