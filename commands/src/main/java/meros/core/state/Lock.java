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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The per-constellation lock ({@code data/state/<c>/lock}): an OS file lock, so it is released when the
 * holding process dies however it dies. The holder writes its pid into the file for the error message.
 */
public final class Lock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private Lock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or throws {@link ExitCode#BUSY} naming the holder's pid. */
    public static Lock acquire(Path file, String constellation) {
        StateDir.ensure(file.getParent());
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this very process (another thread)
            }
            if (l == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new MerosException(ExitCode.BUSY, "constellation '" + constellation + "' is busy: locked by pid "
                        + (holder.isEmpty() ? "?" : holder));
            }
            StateDir.ownerOnly(file);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new Lock(ch, l);
        } catch (IOException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // reporting the first problem
            }
            throw new MerosException(ExitCode.FAILED, "cannot lock " + file + ": " + IoErrors.reason(e, file), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS drops the lock with the descriptor anyway
        }
    }
}
