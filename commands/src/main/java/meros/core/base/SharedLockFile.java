package meros.core.base;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lock file held shared (by any number of readers) or exclusive (by one writer), among processes and among the
 * threads of one process. The kernel build's shared sources ({@code data/build/kernel-src.lock}) are guarded by one.
 *
 * <p>The OS lock is a POSIX record lock, which a process loses when it closes <em>any</em> descriptor of the file
 * (fcntl(2), "Advisory record locking"), and which the JVM refuses to take twice over the same range
 * ({@link java.nio.channels.OverlappingFileLockException}). So each file has one channel per process, opened at the
 * first use and closed only when the path names another file while nobody here holds it (removed with its directory,
 * then made again), and one OS lock taken for all the threads of this process that hold it: shared while one or more
 * of them read, exclusive while one writes. The file stays (it holds nothing).
 */
public final class SharedLockFile {
    private static final Map<Path, SharedLockFile> OPEN = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    /** The identity of the file the channel is on ({@link BasicFileAttributes#fileKey}). */
    private final Object identity;
    /** Threads of this process holding it shared; guarded by {@code this}. */
    private int readers;
    /** A thread of this process holds it exclusive; guarded by {@code this}. */
    private boolean writer;
    /** The OS lock held for them; guarded by {@code this}. */
    private FileLock os;

    private SharedLockFile(Path file, FileChannel channel, Object identity) {
        this.file = file;
        this.channel = channel;
        this.identity = identity;
    }

    /**
     * The lock file at {@code given}, created with its directory when missing.
     *
     * @throws MerosException FAILED when it cannot be made or opened
     */
    public static SharedLockFile of(Path given) {
        Path file = given.toAbsolutePath().normalize();
        return OPEN.compute(file, (f, open) -> open != null && (open.held() || open.identity.equals(identity(f))) ? open : opened(f, open));
    }

    /**
     * A new channel on {@code f}: the first use, or the file was removed or replaced since (its directory cleaned up)
     * while nobody here held it, so that this process locks the file other processes find at the path.
     */
    private static SharedLockFile opened(Path f, SharedLockFile stale) {
        try {
            if (stale != null) stale.channel.close();
            Files.createDirectories(f.getParent());
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new SharedLockFile(f, ch, identity(f));
        } catch (IOException e) {
            throw new MerosException(ExitCode.FAILED, "cannot open " + f + ": " + IoErrors.reason(e, f), e);
        }
    }

    /** The file's device and inode; null when it is not there. */
    private static Object identity(Path f) {
        try {
            return Files.readAttributes(f, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private synchronized boolean held() { return readers > 0 || writer; }

    public Path file() { return file; }

    /** A hold on the lock; {@link #close} gives it back. */
    public interface Held extends AutoCloseable {
        @Override void close();
    }

    /**
     * Takes the lock shared without waiting: null when a writer (another process, or a thread of this one) holds it.
     *
     * @throws MerosException FAILED when the OS refuses the lock for another reason than a holder
     */
    public Held tryShared() {
        synchronized (this) {
            if (writer) return null;
            if (readers == 0 && (os = osLock(true)) == null) return null;
            readers++;
        }
        return once(() -> {
            synchronized (this) {
                if (--readers == 0) releaseOs();
            }
        });
    }

    /**
     * Takes the lock exclusive without waiting: null when anyone else (another process, or a thread of this one)
     * holds it.
     *
     * @throws MerosException FAILED when the OS refuses the lock for another reason than a holder
     */
    public Held tryExclusive() {
        synchronized (this) {
            if (writer || readers > 0) return null;
            if ((os = osLock(false)) == null) return null;
            writer = true;
        }
        return once(() -> {
            synchronized (this) {
                writer = false;
                releaseOs();
            }
        });
    }

    private FileLock osLock(boolean shared) {
        try {
            return channel.tryLock(0, Long.MAX_VALUE, shared);
        } catch (IOException e) {
            throw new MerosException(ExitCode.FAILED, "cannot lock " + file + ": " + IoErrors.reason(e, file), e);
        }
    }

    private void releaseOs() {
        try {
            os.release();
        } catch (IOException ignored) {
            // the channel is open for the process's life: a failed unlock leaves nothing this process can do
        }
        os = null;
    }

    private static Held once(Runnable release) {
        return new Held() {
            private boolean released;

            @Override
            public synchronized void close() {
                if (released) return;
                released = true;
                release.run();
            }
        };
    }
}
