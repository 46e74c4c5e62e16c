package meros.shell;

import meros.core.ssh.TerminalAccess;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The shell's JLine terminal as {@code connect} needs it ({@link TerminalAccess} is the core's view): raw mode
 * with signal keys off (Ctrl-C becomes byte 3 for the guest), bytes from the terminal's input, its size and
 * SIGWINCH.
 */
public final class JLineTerminalAccess implements TerminalAccess {
    private final Terminal terminal;

    public JLineTerminalAccess(Terminal terminal) { this.terminal = terminal; }

    @Override public String type() {
        String t = terminal.getType();
        return t == null || t.startsWith("dumb") ? "xterm-256color" : t;
    }

    @Override public int columns() { int w = terminal.getWidth(); return w > 0 ? w : 80; }

    @Override public int rows() { int h = terminal.getHeight(); return h > 0 ? h : 24; }

    @Override
    public AutoCloseable enterRaw() {
        Attributes previous = terminal.enterRawMode();
        Attributes raw = terminal.getAttributes();
        raw.setLocalFlag(Attributes.LocalFlag.ISIG, false);     // Ctrl-C, Ctrl-Z, Ctrl-\ go to the guest
        raw.setInputFlag(Attributes.InputFlag.IXON, false);     // so do Ctrl-S / Ctrl-Q
        raw.setOutputFlag(Attributes.OutputFlag.OPOST, false);  // the guest's PTY already sends \r\n
        terminal.setAttributes(raw);
        terminal.flush();
        return () -> {
            terminal.setAttributes(previous);
            terminal.flush();
        };
    }

    @Override
    public int read(long timeoutMillis) throws IOException {
        InputStream in = terminal.input();
        if (in instanceof NonBlockingInputStream nb) {
            int b = nb.read(timeoutMillis);
            return b == NonBlockingInputStream.READ_EXPIRED ? TIMEOUT : b;
        }
        return in.read();
    }

    @Override public OutputStream output() { return terminal.output(); }

    @Override
    public AutoCloseable onResize(Runnable onResize) {
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.WINCH, s -> onResize.run());
        return () -> terminal.handle(Terminal.Signal.WINCH, previous);
    }
}
