package meros.shell;

import org.jline.terminal.Terminal;
import org.jline.utils.Curses;
import org.jline.utils.InfoCmp;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;

/**
 * The shell's prompt drawn as the first thing {@code main} does, before the line editor exists (what zsh's
 * powerlevel10k calls an instant prompt). Until JLine takes the terminal over, the terminal is still in its cooked
 * mode: what the user types is echoed and kept by the terminal driver, and JLine reads it once it is up (it switches
 * the terminal with {@code tcsetattr(TCSANOW)}, which keeps pending input). {@link #handOver} then puts the cursor
 * back where JLine draws its own prompt, over this one, so the screen shows one prompt.
 *
 * <p>Drawn only for the interactive shell ({@code meros} or {@code meros -v}), when standard input and output are
 * both a terminal and {@code TERM} is set and not {@code dumb}; {@code -Dmeros.prompt.early=false} turns it off. A
 * Ctrl-C before the hand-over ends the process (the terminal's default, as for any program before it handles the
 * signal); a Ctrl-D there is read by JLine as the end of input.
 */
final class EarlyPrompt {
    /** The system property that turns the early prompt off when {@code false}. */
    static final String PROPERTY = "meros.prompt.early";

    private EarlyPrompt() { }

    /** Whether the arguments open the interactive shell: none, or only {@code -v}/{@code --debug}. */
    static boolean opensShell(String[] args) {
        for (String a : args) {
            if (!a.equals("-v") && !a.equals("--debug")) return false;
        }
        return true;
    }

    /** Draws {@link Repl#PROMPT} on standard output when the rules above allow it; returns whether it did. */
    static boolean show(String[] args) {
        if (!opensShell(args) || "false".equals(System.getProperty(PROPERTY))) return false;
        String term = System.getenv("TERM");
        if (term == null || term.isEmpty() || term.equals("dumb") || !onTerminal()) return false;
        System.out.print(Repl.PROMPT);
        System.out.flush();
        return true;
    }

    /**
     * Whether standard input and output are both a terminal. Up to JDK 21 that is {@code System.console() != null};
     * from JDK 22 on {@code System.console()} also returns a console over pipes and {@code Console.isTerminal()}
     * (looked up by name, it is not in JDK 17) says it.
     */
    static boolean onTerminal() {
        Console c = System.console();
        if (c == null) return false;
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(c);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Puts the cursor at the start of the early prompt's line, just before JLine draws the prompt there. A line the
     * user finished with Enter before this moved the cursor one line down: it goes up first, so JLine redraws that
     * line with its input instead of repeating it below. {@code in} is the terminal's input, not yet read by anyone:
     * in cooked mode its {@code available()} (the {@code FIONREAD} ioctl) counts only finished lines (tty(4)), and
     * does not wait. Several lines typed ahead are each shown again below the first.
     */
    static void handOver(Terminal terminal, InputStream in) {
        terminal.writer().print(handOverSequence(terminal, lineWaiting(in)));
        terminal.flush();
    }

    /** Whether a finished line waits in {@code in} (see {@link #handOver}); false when that cannot be read. */
    static boolean lineWaiting(InputStream in) {
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return false; // the input is JLine's to read and report; the cursor just stays on this line
        }
    }

    /** The terminal's cursor-up (when a line waits) and carriage return, from its terminfo capabilities. */
    static String handOverSequence(Terminal terminal, boolean lineWaiting) {
        StringBuilder b = new StringBuilder();
        try {
            if (lineWaiting) Curses.tputs(b, terminal.getStringCapability(InfoCmp.Capability.cursor_up));
            Curses.tputs(b, terminal.getStringCapability(InfoCmp.Capability.carriage_return));
        } catch (RuntimeException e) {
            return "\r"; // a terminal without those capabilities
        }
        return b.toString();
    }
}
