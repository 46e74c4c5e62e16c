package meros.shell;

import org.jline.nativ.CLibrary;
import org.jline.nativ.CLibrary.Termios;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.AbstractPosixTerminal;
import org.jline.utils.Curses;
import org.jline.utils.InfoCmp;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * The shell's prompt drawn as the first thing {@code main} does, before the line editor exists (what zsh's
 * powerlevel10k calls an instant prompt). Right after it the terminal's echo and line editing are turned off
 * ({@link #holdInput}): what the user types then waits, unechoed and as typed (Enter, Ctrl-D, arrow keys), for
 * JLine, which reads it once it is up. At the hand-over, just before JLine's first {@code readLine}, the terminal gets
 * its own settings back (also as the ones JLine restores when the shell ends) and the cursor goes back over the early
 * prompt, where JLine draws its own, so the screen shows one prompt ({@link #handOver}). JLine's terminal is told the
 * terminal's own settings are the ones to restore as soon as it is built ({@link #adoptOriginal}).
 *
 * <p>Drawn only for the interactive shell ({@code meros} or {@code meros -v}), when standard input and output are
 * both a terminal and {@code TERM} is set and not {@code dumb}; {@code -Dmeros.prompt.early=false} turns it off.
 * Input is held only on Linux, where JLine's native library loads (its {@code tcgetattr}/{@code tcsetattr}); elsewhere
 * the terminal stays in its cooked mode until JLine is up, echoing what is typed. While input is held a Ctrl-C is a key
 * JLine reads (it cancels the line); a shutdown hook gives the terminal its settings back when the process ends
 * otherwise before the hand-over (a SIGTERM, or a Ctrl-C before input was held).
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
        typedBeforePrompt = available(System.in);
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
     * Linux termios(3) local-mode bits: signals from keys (Ctrl-C, Ctrl-\, Ctrl-Z), canonical input, echo, and the
     * extended input processing (Ctrl-V, Ctrl-O).
     */
    static final long ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, IEXTEN = 0x8000;

    /**
     * Bytes of finished lines waiting in standard input when the prompt was drawn, and when input was held: lines
     * typed between the two were echoed after the prompt and moved the cursor down.
     */
    private static int typedBeforePrompt, typedBeforeHold;
    /**
     * Bytes typed but not finished with Enter when input was held (echoed, one column each for ASCII): the cursor
     * stands that far right of the prompt's end.
     */
    private static int unfinishedBeforeHold;

    /** The terminal's own settings, from {@link #holdInput}; null when input was not held. */
    private static Termios original;
    /** Whether input is held now. */
    private static boolean holding;
    /** The settings input is held with. */
    private static Termios held;
    private static Thread restoreAtExit;

    /**
     * Turns the terminal's echo, line editing and signal keys off (standard input, {@code ICANON}, {@code ECHO},
     * {@code IEXTEN}, {@code ISIG}) until {@link #handOver}: a Ctrl-C typed meanwhile waits for JLine like any key and
     * cancels the line typed before it (JLine's terminal sets SIGINT to its default while it is built, so a signal
     * then would end the process without its shutdown hooks, leaving the terminal held). Does nothing outside Linux
     * or when JLine's native library cannot load; call it once the library's location is set
     * ({@link Main#useKeptJLineLibrary}).
     */
    static synchronized void holdInput() {
        if (original != null || !System.getProperty("os.name", "").equals("Linux")) return;
        try {
            Termios own = new Termios();
            Termios raw = new Termios();
            if (CLibrary.tcgetattr(0, own) != 0 || CLibrary.tcgetattr(0, raw) != 0) return;
            raw.c_lflag &= ~(ISIG | ICANON | ECHO | IEXTEN);
            held = raw;
            typedBeforeHold = available(System.in);
            original = own;
            restoreAtExit = new Thread(EarlyPrompt::restoreAtExit, "meros-terminal-restore");
            Runtime.getRuntime().addShutdownHook(restoreAtExit);
            holding = CLibrary.tcsetattr(0, CLibrary.TCSANOW, raw) == 0;
            // out of cooked mode every waiting byte counts, a line not finished yet too
            if (holding) unfinishedBeforeHold = Math.max(0, available(System.in) - typedBeforeHold);
        } catch (LinkageError | RuntimeException e) {
            // no native library: input is echoed until JLine is up
        }
    }

    /**
     * Gives the terminal the settings {@link #holdInput} found, if it held input (what was typed meanwhile stays to
     * be read). For the end of the shell, after JLine has closed its terminal, and for the shutdown hook.
     */
    static synchronized void restore() {
        holding = false;
        if (original == null) return;
        try {
            CLibrary.tcsetattr(0, CLibrary.TCSANOW, original);
        } catch (LinkageError | RuntimeException e) {
            // it loaded for holdInput
        }
    }

    /** The shutdown hook: the process ends (a SIGTERM, a Ctrl-C before input was held); a line ends below the early prompt. */
    private static synchronized void restoreAtExit() {
        if (holding) {
            System.out.println();
            System.out.flush();
        }
        restore();
    }

    /**
     * Right after JLine has built its terminal, which saved the held settings as the ones to restore when it closes
     * (also from its own shutdown hook, on a SIGTERM): makes the terminal's own settings those. They are read through
     * JLine (given to the terminal for the moment it takes: a key arriving then is echoed) and copied into its saved ones.
     */
    static void adoptOriginal(Terminal terminal) {
        synchronized (EarlyPrompt.class) {
            if (!holding) return;
            try {
                CLibrary.tcsetattr(0, CLibrary.TCSANOW, original);
                Attributes own = terminal.getAttributes();
                CLibrary.tcsetattr(0, CLibrary.TCSANOW, held);
                Field f = AbstractPosixTerminal.class.getDeclaredField("originalAttributes");
                f.setAccessible(true);
                if (terminal instanceof AbstractPosixTerminal && f.get(terminal) instanceof Attributes saved) saved.copy(own);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // restore() after JLine's close and the shutdown hook still give the settings back
            }
        }
    }

    /**
     * The hand-over to JLine, just before its first {@code readLine}: gives the terminal its own settings back and
     * moves the cursor back over the early prompt. Input typed while it was held was not echoed, so the cursor is
     * normally where the prompt ended: it goes back by the prompt's width on the same line (output the shell was started after,
     * on that line, stays). A line typed after the prompt was drawn and finished with Enter before input was held (or
     * at all, where it is not held) was echoed and moved the cursor one line down: then the cursor goes up to that
     * line's start first. Such lines are seen with {@code available()} on {@code in} (the {@code FIONREAD} ioctl, which
     * in cooked mode counts only finished lines, tty(4)). Input typed but not finished before it was held was echoed
     * after the prompt (or before it, on its line): the cursor goes back over it too, and JLine draws it again after
     * its prompt.
     */
    static void handOver(Terminal terminal, InputStream in) {
        boolean wasHeld;
        int finished;
        synchronized (EarlyPrompt.class) {
            wasHeld = holding;
            finished = wasHeld ? typedBeforeHold : available(in);
            if (wasHeld) restore();
        }
        terminal.writer().print(handOverSequence(terminal, finished > typedBeforePrompt, Repl.PROMPT.length() + (wasHeld ? unfinishedBeforeHold : 0)));
        terminal.flush();
    }

    /** {@code in.available()}, 0 when it cannot be read. */
    static int available(InputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            return 0; // the input is JLine's to read and report
        }
    }

    /**
     * Back over the early prompt: the terminal's cursor-up and carriage return when a line was echoed below it, else
     * {@code cub} by {@code columns}, from its terminfo capabilities; a carriage return when the terminal has none of
     * them.
     */
    static String handOverSequence(Terminal terminal, boolean lineBelow, int columns) {
        StringBuilder b = new StringBuilder();
        try {
            if (lineBelow) {
                Curses.tputs(b, terminal.getStringCapability(InfoCmp.Capability.cursor_up));
                Curses.tputs(b, terminal.getStringCapability(InfoCmp.Capability.carriage_return));
            } else {
                Curses.tputs(b, terminal.getStringCapability(InfoCmp.Capability.parm_left_cursor), columns);
            }
        } catch (RuntimeException e) {
            return "\r";
        }
        return b.length() == 0 ? "\r" : b.toString();
    }
}
