package meros.shell;

import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp;

import java.io.IOException;

/**
 * The shell's prompt drawn as the first thing {@code main} does, before the line editor exists (what zsh's
 * powerlevel10k calls an instant prompt). Until JLine takes the terminal over, the terminal is still in its cooked
 * mode: what the user types is echoed and kept by the terminal driver, and JLine reads it once it is up (it switches
 * the terminal with {@code tcsetattr(TCSANOW)}, which keeps pending input). {@link #handOver(Terminal)} then puts the
 * cursor back where JLine draws its own prompt, over this one, so the screen shows one prompt.
 *
 * <p>Drawn only for the interactive shell ({@code meros} or {@code meros -v}), when standard input and output are
 * both a terminal ({@link System#console()}) and {@code TERM} is set and not {@code dumb};
 * {@code -Dmeros.prompt.early=false} turns it off. A Ctrl-C before the hand-over ends the process (the terminal's
 * default), as it did before the line editor was up without this.
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
        if (term == null || term.isEmpty() || term.equals("dumb") || System.console() == null) return false;
        System.out.print(Repl.PROMPT);
        System.out.flush();
        return true;
    }

    /**
     * Puts the cursor at the start of the early prompt's line, just before JLine draws the prompt there. A line the
     * user finished with Enter before this (readable in cooked mode, so {@code peek} sees it) moved the cursor one
     * line down: it goes up first, so JLine redraws that line with its input instead of repeating it below.
     */
    static void handOver(Terminal terminal) {
        boolean lineWaiting = false;
        try {
            lineWaiting = terminal.reader().peek(1) >= 0;
        } catch (IOException e) {
            // the input is JLine's to read and report; the cursor just stays on this line
        }
        if (lineWaiting) terminal.puts(InfoCmp.Capability.cursor_up);
        terminal.puts(InfoCmp.Capability.carriage_return);
        terminal.flush();
    }
}
