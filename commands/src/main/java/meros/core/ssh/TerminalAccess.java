package meros.core.ssh;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The shell's own terminal as {@code connect} needs it, without a terminal library in the core:
 * the shell module implements it over its JLine terminal and hands it to {@link meros.core.Meros}.
 */
public interface TerminalAccess {
    /** Result of {@link #read(long)} when nothing arrived in time. */
    int TIMEOUT = -2;

    /** Terminal type for the remote PTY, e.g. {@code xterm-256color}. */
    String type();

    int columns();

    int rows();

    /**
     * Raw mode: no echo, no line editing, no signal keys (Ctrl-C arrives as byte 3 and goes to the guest).
     * Closing the result restores the previous mode.
     */
    AutoCloseable enterRaw();

    /** Reads one byte of input: the byte, -1 at end of input, or {@link #TIMEOUT} after {@code timeoutMillis}. */
    int read(long timeoutMillis) throws IOException;

    OutputStream output();

    /** Calls {@code onResize} whenever the terminal's size changes (SIGWINCH); closing the result stops that. */
    AutoCloseable onResize(Runnable onResize);
}
