package meros.core.state;

import meros.core.base.ExitCode;
import meros.core.base.LockFile;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The per-constellation lock ({@code data/state/<c>/lock}): a {@link LockFile} (an OS file lock, released when its
 * holder dies; the holder's pid in the file for the error message), in an owner-only directory.
 *
 * <p>Taken through {@link #acquire(StateDir, String)}, the lock leaves nothing behind for a constellation with no
 * other state: released, it removes its file, and the state directory when that holds nothing else, so a
 * {@code shutdown} of a constellation that never ran, or an {@code init} that failed before it started a VM, leaves no
 * {@code data/state/<c>/}.
 */
public final class Lock implements AutoCloseable {
    private final LockFile held;

    private Lock(LockFile held) {
        this.held = held;
    }

    /** Takes the lock or throws {@link ExitCode#BUSY} naming the holder's pid; the file stays when released. */
    public static Lock acquire(Path file, String constellation) {
        return new Lock(LockFile.acquire(file, busy(constellation), false, true));
    }

    /**
     * Takes {@code data/state/<c>/lock} or throws {@link ExitCode#BUSY} naming the holder's pid; released, it removes
     * the file and the state directory when nothing else is in it.
     */
    public static Lock acquire(StateDir state, String constellation) {
        return new Lock(LockFile.acquire(state.lockFile(), busy(constellation), true, true));
    }

    private static UnaryOperator<String> busy(String constellation) {
        return pid -> "constellation '" + constellation + "' is busy: locked by pid " + pid;
    }

    @Override
    public void close() {
        held.close();
    }
}
