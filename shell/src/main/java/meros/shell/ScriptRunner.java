package meros.shell;

import java.util.ArrayDeque;
import meros.core.base.IoErrors;
import meros.cli.Cli;
import meros.cli.ScriptHost;
import meros.core.base.ExitCode;
import meros.core.Meros;
import meros.core.base.MerosException;
import meros.core.base.TextFiles;
import org.jline.terminal.Terminal;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs a {@code .jsh} file: command lines and Java (multi-line snippets included, split with JShell's own
 * completeness analysis), echoing each line after {@code meros> } as it goes. A line starting with {@code .} and
 * an identifier ({@code .map(...)}) continues the snippet before it, also across blank and {@code //} lines (see
 * {@link #continuation}). Blank lines and lines starting with {@code //} between snippets are skipped. Stops at the first failing line with
 * {@code FILE:LINE: what failed} and exit code 1; 0 when every line succeeded. Besides a failing command, a compile
 * error and a snippet exception, a line fails when it is an unknown command ({@link UnknownCommand}) and when it
 * declares a variable JShell cannot define ({@link JShellEvaluator.Context#SCRIPT}). An {@code exit} line ends the
 * script successfully. With {@code debug}, the failing line is followed by a {@code meros>} shell over the
 * script's own JShell (same snippets, same variables; VMs keep running) until the user leaves it; then the run
 * ends as without it (evaluator closed, exit code 1).
 */
public final class ScriptRunner implements ScriptHost {
    private final JShellEvaluator shared;
    private final CommandFactory factory;
    private final DebugShell debugShell;

    /**
     * Opens the {@code meros>} shell over a failed script's JShell ({@code script --debug}); returns when the user
     * leaves it.
     */
    @FunctionalInterface
    public interface DebugShell {
        void open(Meros meros, JShellEvaluator evaluator, CommandFactory commands);
    }

    /**
     * For {@link java.util.ServiceLoader} (one-shot {@code meros script FILE}): a fresh evaluator per run; the
     * debug shell runs on the process's terminal.
     */
    public ScriptRunner() {
        this(null, null, ScriptRunner::systemShell);
    }

    /**
     * @param shared     the REPL's evaluator, so definitions made by the script stay in the session; null for a
     *                   fresh one per run (closed when the run ends)
     * @param factory    the command tree for command lines; null for {@link Cli#create}
     * @param debugShell what {@code --debug} opens at a failing line
     */
    public ScriptRunner(JShellEvaluator shared, CommandFactory factory, DebugShell debugShell) {
        this.shared = shared;
        this.factory = factory;
        this.debugShell = debugShell;
    }

    @Override
    public int run(Meros meros, Path file, PrintWriter out, PrintWriter err, boolean debug) {
        List<String> lines;
        try {
            lines = TextFiles.read(file).lines().toList();
        } catch (MerosException e) {
            err.println(e.getMessage());
            err.flush();
            return e.exitCode().code;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + IoErrors.reason(e, file));
            err.flush();
            return ExitCode.FAILED.code;
        }
        CommandFactory f = factory != null ? factory : (o, e) -> Cli.create(meros, o, e);
        CommandLine[] commands = new CommandLine[1];
        Supplier<CommandLine> cl = () -> {
            if (commands[0] == null) commands[0] = f.create(out, err);
            return commands[0];
        };
        Supplier<Set<String>> commandNames = () -> {
            LinkedHashSet<String> names = new LinkedHashSet<>(cl.get().getSubcommands().keySet());
            names.add("exit");
            return names;
        };
        Router router = new Router(commandNames);
        JShellEvaluator evaluator = shared;
        boolean own = false;
        try {
            for (int i = 0; i < lines.size(); i++) {
                String raw = lines.get(i);
                String t = raw.strip();
                if (t.isEmpty() || t.startsWith("//") || (i == 0 && t.startsWith("#!"))) continue;
                Router.Route r = router.route(raw);
                String failure = null;
                int failedAt = i;
                int failedCol = 0;
                switch (r.kind()) {
                    case EMPTY -> { }
                    case COMMAND -> {
                        out.println(Repl.PROMPT + t);
                        out.flush();
                        if (r.args().size() == 1 && r.args().get(0).equals("exit")) return 0;
                        int code = cl.get().execute(r.args().toArray(new String[0]));
                        out.flush();
                        err.flush();
                        if (code != 0) failure = "'" + t + "' exited with status " + code;
                    }
                    case JAVA -> {
                        if (evaluator == null) {
                            evaluator = new JShellEvaluator(meros);
                            own = true;
                        }
                        int start = i;
                        StringBuilder src = new StringBuilder(r.java());
                        while (true) {
                            while (evaluator.completeness(src.toString()) == JShellEvaluator.Completeness.INCOMPLETE
                                    && i + 1 < lines.size()) {
                                src.append('\n').append(lines.get(++i));
                            }
                            int next = continuation(lines, i + 1);
                            if (next < 0) break;
                            while (i < next) src.append('\n').append(lines.get(++i));
                        }
                        for (int k = start; k <= i; k++) {
                            out.println((k == start ? Repl.PROMPT : Repl.CONTINUATION) + lines.get(k));
                        }
                        out.flush();
                        failedAt = start;
                        if (evaluator.completeness(src.toString()) == JShellEvaluator.Completeness.INCOMPLETE) {
                            failure = "unfinished Java snippet at end of file" + unclosed(src.toString(), start);
                        } else if (r.commandWord() != null && evaluator.isUnknownCommand(r.commandWord(), src.toString())) {
                            failure = UnknownCommand.message(r.commandWord(), commandNames.get());
                        } else {
                            JShellEvaluator.Outcome o = evaluator.eval(src.toString(), out, err, JShellEvaluator.Context.SCRIPT);
                            if (!o.ok()) {
                                failure = o.failure();
                                failedAt = start + o.line();
                                failedCol = o.column();
                            }
                        }
                    }
                }
                if (failure == null) continue;
                err.println(file + ":" + (failedAt + 1) + (failedCol > 0 ? ":" + failedCol : "") + ": " + failure);
                err.flush();
                if (debug) {
                    if (evaluator == null) {
                        evaluator = new JShellEvaluator(meros);
                        own = true;
                    }
                    out.println("script stopped at " + file + ":" + (failedAt + 1)
                            + "; its variables are in scope here, its VMs still run. 'exit' ends the script.");
                    out.flush();
                    debugShell.open(meros, evaluator, f);
                }
                return ExitCode.FAILED.code;
            }
            return 0;
        } finally {
            if (own) {
                evaluator.close();
                meros.close(); // a one-shot script: its VM handles' connections end with it
            }
            out.flush();
            err.flush();
        }
    }

    /**
     * What an unfinished snippet leaves open, for its error: {@code ": '(' opened at 2:6 is not closed"} for the first
     * bracket ({@code ( [ {}) never closed, outside string, character and text-block literals and comments; or that a
     * string, text block or comment is not closed; "" when none is found.
     *
     * @param src       the snippet
     * @param firstLine the 0-based file line of its first line
     */
    static String unclosed(String src, int firstLine) {
        ArrayDeque<int[]> open = new ArrayDeque<>(); // {char, line, column}
        int line = firstLine, col = 0;
        int n = src.length();
        for (int i = 0; i < n; i++) {
            char c = src.charAt(i);
            col++;
            if (c == '\n') { line++; col = 0; continue; }
            int at = col, atLine = line;
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i + 1 < n && src.charAt(i + 1) != '\n') i++;
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                if (end < 0) return ": a comment opened at " + (atLine + 1) + ":" + at + " is not closed";
                for (int k = i; k < end + 1; k++) if (src.charAt(k) == '\n') { line++; col = 0; } else col++;
                i = end + 1;
            } else if (c == '"' && src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                if (end < 0) return ": a text block opened at " + (atLine + 1) + ":" + at + " is not closed";
                for (int k = i; k < end + 2; k++) if (src.charAt(k) == '\n') { line++; col = 0; } else col++;
                i = end + 2;
            } else if (c == '"' || c == '\'') {
                int k = i + 1;
                while (k < n && src.charAt(k) != c && src.charAt(k) != '\n') k += src.charAt(k) == '\\' ? 2 : 1;
                if (k >= n || src.charAt(k) != c) {
                    return ": a " + (c == '"' ? "string" : "character literal") + " opened at " + (atLine + 1) + ":" + at + " is not closed";
                }
                col += k - i;
                i = k;
            } else if (c == '(' || c == '[' || c == '{') {
                open.push(new int[] {c, line, col});
            } else if (c == ')' || c == ']' || c == '}') {
                if (!open.isEmpty()) open.pop();
            }
        }
        if (open.isEmpty()) return "";
        int[] first = open.peekLast();
        return ": '" + (char) first[0] + "' opened at " + (first[1] + 1) + ":" + first[2] + " is not closed";
    }

    /**
     * The index of the line from {@code from} on that continues the snippet before it: the first line that is not
     * blank and not a {@code //} comment, when its first non-blank characters are a {@code .} and the start of an
     * identifier ({@code .map(x -> x * 2)}, not {@code ...}). JShell reads a line such as {@code var r = l.stream()}
     * as complete on its own; in a script, a following line of that shape belongs to the same snippet.
     *
     * @param lines the script's lines
     * @param from  0-based index of the first line after the snippet so far
     * @return that line's 0-based index, or -1 when the next line (if any) is not such a continuation
     */
    static int continuation(List<String> lines, int from) {
        for (int k = from; k < lines.size(); k++) {
            String t = lines.get(k).strip();
            if (t.isEmpty() || t.startsWith("//")) continue;
            return t.length() > 1 && t.charAt(0) == '.' && Character.isJavaIdentifierStart(t.charAt(1)) ? k : -1;
        }
        return -1;
    }

    /** The shell of a one-shot {@code meros script --debug}: the process's own terminal. */
    private static void systemShell(Meros meros, JShellEvaluator evaluator, CommandFactory commands) {
        try (Terminal terminal = Main.systemTerminal()) {
            meros.setTerminal(new JLineTerminalAccess(terminal)); // for connect
            new Repl(terminal, meros, meros.home().history(), true, commands, evaluator).run();
        } catch (IOException e) {
            System.err.println("error: cannot open the terminal for the debug shell: " + e.getMessage());
        }
    }
}
