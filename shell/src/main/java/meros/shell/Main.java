package meros.shell;

import meros.cli.Cli;
import meros.core.Home;
import meros.core.Meros;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The entry point. {@code meros} alone opens the {@code meros>} shell; {@code meros COMMAND ...} runs one command
 * and exits with its code; {@code meros FILE.jsh} is {@code meros script FILE.jsh}. The only place that calls
 * {@link System#exit}.
 */
public final class Main {
    private Main() { }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Meros meros = new Meros(Home.detect());
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean debug = a.contains("-v") || a.contains("--debug");
        if (a.stream().allMatch(s -> s.equals("-v") || s.equals("--debug"))) {
            return repl(meros, debug);
        }
        for (int i = 0; i < a.size(); i++) { // "meros [-v] FILE.jsh" is "meros [-v] script FILE.jsh"
            if (a.get(i).startsWith("-")) continue;
            if (a.get(i).endsWith(".jsh")) a.add(i, "script");
            break;
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        if (a.contains("connect") && System.console() != null) return connect(meros, a, out, err);
        int code = Cli.create(meros, out, err).execute(a.toArray(new String[0]));
        out.flush();
        err.flush();
        return code;
    }

    /** One-shot {@code meros connect C VM}: the interactive shell needs the real terminal. */
    private static int connect(Meros meros, List<String> a, PrintWriter out, PrintWriter err) {
        try (Terminal terminal = TerminalBuilder.builder().name("meros").system(true).providers("jni,exec").build()) {
            meros.setTerminal(new JLineTerminalAccess(terminal));
            return Cli.create(meros, out, err).execute(a.toArray(new String[0]));
        } catch (IOException e) {
            err.println("error: cannot open the terminal: " + e.getMessage());
            return 1;
        }
    }

    /** The process's terminal for the shell (a dumb one over a pipe), never 0 columns wide. */
    static Terminal systemTerminal() throws IOException {
        Terminal terminal = TerminalBuilder.builder().name("meros").system(true).providers("jni,exec").dumb(true).build();
        if (terminal.getWidth() <= 0) terminal.setSize(new Size(120, 40)); // a pipe or a 0x0 pty
        return terminal;
    }

    private static int repl(Meros meros, boolean debug) {
        try (Terminal terminal = systemTerminal()) {
            meros.setTerminal(new JLineTerminalAccess(terminal)); // for connect
            return new Repl(terminal, meros, meros.home().history(), debug).run();
        } catch (IOException e) {
            System.err.println("error: cannot open the terminal: " + e.getMessage());
            return 1;
        }
    }
}
