package meros.core.state;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The per-constellation lock ({@code data/state/<c>/lock}): an OS file lock, so it is released when the
 * holding process dies however it dies. The holder writes its pid into the file for the error message.
 *
 * <p>The OS lock is a POSIX record lock (what {@link FileChannel#tryLock} takes on Linux), which a process loses when it
 * closes <em>any</em> descriptor of the file (fcntl(2), "Advisory record locking"). So this process never opens a lock
 * file it holds: a second {@code acquire} of a held file in this process (another thread) is refused from a table of
 * the files this process holds, and the lock file is read only through the channel that locks it.
 *
 * <p>Taken through {@link #acquire(StateDir, String)}, the lock leaves nothing behind for a constellation with no
 * other state: released, it removes its file, and the state directory when that holds nothing else, so a
 * {@code shutdown} of a constellation that never ran, or an {@code init} that failed before it started a VM, leaves no
 * {@code data/state/<c>/}. The file is removed while the lock is held; a process that opened it just before and locks
 * it just after finds that the path no longer names the file it locked, and tries again.
 */
public final class Lock implements AutoCloseable {
    /** How often {@link #acquire} tries again when the lock file was removed or replaced while it was being locked. */
    static final int ATTEMPTS = 5;

    /** The lock files this process holds (absolute, normalised). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean removeWhenAlone;

    private Lock(Path file, FileChannel channel, FileLock lock, boolean removeWhenAlone) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.removeWhenAlone = removeWhenAlone;
    }

    /** Takes the lock or throws {@link ExitCode#BUSY} naming the holder's pid; the file stays when released. */
    public static Lock acquire(Path file, String constellation) {
        return acquire(file, busyConstellation(constellation), false);
    }

    /**
     * Takes the lock on {@code file} (created with its directory when missing; it stays when released) or throws
     * {@link ExitCode#BUSY} with {@code busy} applied to the holder's pid ({@code ?} when unknown).
     */
    public static Lock acquire(Path file, UnaryOperator<String> busy) {
        return acquire(file, busy, false);
    }

    private static UnaryOperator<String> busyConstellation(String constellation) {
        return pid -> "constellation '" + constellation + "' is busy: locked by pid " + pid;
    }

    /**
     * Takes {@code data/state/<c>/lock} or throws {@link ExitCode#BUSY} naming the holder's pid; released, it removes
     * the file and the state directory when nothing else is in it.
     */
    public static Lock acquire(StateDir state, String constellation) {
        return acquire(state.lockFile(), busyConstellation(constellation), true);
    }

    private static Lock acquire(Path given, UnaryOperator<String> busy, boolean removeWhenAlone) {
        Path file = given.toAbsolutePath().normalize();
        if (!HELD.add(file)) throw new MerosException(ExitCode.BUSY, busy.apply(Long.toString(ProcessHandle.current().pid())));
        Lock taken = null;
        try {
            taken = take(file, busy, removeWhenAlone);
            return taken;
        } finally {
            if (taken == null) HELD.remove(file);
        }
    }

    private static Lock take(Path file, UnaryOperator<String> busy, boolean removeWhenAlone) {
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            StateDir.ensure(file.getParent());
            FileChannel ch = null;
            try {
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
                StateDir.ownerOnly(file);
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(false);
                return new Lock(file, ch, l, removeWhenAlone);
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
            } catch (IOException ignored) {
                // something was made in it meanwhile: it stays
            }
        }
    }

    private static boolean onlyFileIn(Path dir, Path file) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().equals(file.getFileName()));
        }
    }
}
