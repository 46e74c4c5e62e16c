package meros.shell;

import meros.core.base.IoErrors;
import meros.cli.Cli;
import meros.cli.ScriptCommand;
import meros.core.base.ExitCode;
import meros.core.base.Text;
import meros.core.Meros;
import org.jline.keymap.KeyMap;
import org.jline.reader.Binding;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Terminal;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The interactive {@code meros>} shell: JLine line editing, history, completion; meros commands from the one
 * {@link Cli} factory; every other line is Java for the in-process {@link JShellEvaluator}.
 * Nothing here ends the process: {@link #run()} returns when the user leaves.
 */
public final class Repl {
    public static final String PROMPT = "meros> ";
    public static final String CONTINUATION = "   ...> ";

    private final Terminal terminal;
    private final Meros meros;
    private final CommandFactory factory;
    private final Path historyFile;
    private final JShellEvaluator evaluator;
    private final boolean ownsEvaluator;
    private final Router router;
    private final boolean debug;

    private CommandLine commands;
    private CrashNotices crashNotices;
    private volatile boolean exitRequested;
    private volatile int exitCode;
    private volatile Thread busy;
    private volatile boolean busyJava;
    private int lastExit;

    public Repl(Terminal terminal, Meros meros, Path historyFile, boolean debug) {
        this(terminal, meros, historyFile, debug, commandsOf(meros));
    }

    /** The production command tree ({@link Cli#create}) as a factory. */
    static CommandFactory commandsOf(Meros meros) {
        // a class, not a lambda: bootstrapping a lambda resolves picocli's CommandLine (a class file too old for the
        // class-data archive, so loaded and verified from its jar) before the prompt; here it loads on first use
        return new CommandFactory() {
            @Override
            public CommandLine create(PrintWriter out, PrintWriter err) {
                return Cli.create(meros, out, err);
            }
        };
    }

    public Repl(Terminal terminal, Meros meros, Path historyFile, boolean debug, CommandFactory factory) {
        this(terminal, meros, historyFile, debug, factory, null);
    }

    /**
     * @param shared an evaluator whose snippets and variables this shell continues (a failed script's, for
     *               {@code script --debug}); left open when the shell ends. Null: a fresh one, closed at the end.
     */
    public Repl(Terminal terminal, Meros meros, Path historyFile, boolean debug, CommandFactory factory, JShellEvaluator shared) {
        this.terminal = terminal;
        this.meros = meros;
        this.factory = factory;
        this.historyFile = historyFile;
        this.debug = debug;
        this.ownsEvaluator = shared == null;
        this.evaluator = shared != null ? shared : new JShellEvaluator(meros);
        if (ownsEvaluator) this.evaluator.debug(debug);
        this.router = new Router(this::commandNames);
    }

    public JShellEvaluator evaluator() { return evaluator; }

    /** The exit code of the last command or snippet (0 after success). */
    public int lastExit() { return lastExit; }

    /**
     * Runs until {@code exit}, Ctrl-D or end of input. Returns the code {@code exit CODE} named, else the exit code
     * of the last line run (0 when none ran, or when it succeeded), as sh does; so a piped session
     * ({@code printf 'init demo\n' | meros}) tells its caller whether its last line failed.
     */
    public int run() {
        Map<String, Object> vars = new HashMap<>();
        vars.put(LineReader.HISTORY_FILE, historyFile);
        vars.put(LineReader.SECONDARY_PROMPT_PATTERN, CONTINUATION);
        LineReaderImpl reader = new LineReaderImpl(terminal, "meros", vars) {
            @Override
            public boolean redisplay() {
                boolean r = super.redisplay();
                onPromptShown();
                return r;
            }
        };
        reader.setHistory(new LazyDirHistory());
        reader.setParser(new ShellParser(router));
        reader.setCompleter(new ShellCompleter(new Supplier<CommandLine>() { // not this::completionTree: see the constructor
            @Override
            public CommandLine get() {
                return completionTree();
            }
        }, router, evaluator, meros));
        reader.setOpt(LineReader.Option.DISABLE_EVENT_EXPANSION); // else JLine eats backslashes and expands '!'
        reader.setOpt(LineReader.Option.HISTORY_IGNORE_SPACE);
        reader.unsetOpt(LineReader.Option.INSERT_TAB);
        bindCursorKeysInBothModes(reader);
        Terminal.SignalHandler outerInt = terminal.handle(Terminal.Signal.INT, s -> interruptBusy());
        PrintWriter out = terminal.writer();
        crashNotices = new CrashNotices(meros, reader);
        if (earlyPrompt) EarlyPrompt.handOver(terminal, System.in);
        try {
            while (!exitRequested) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C cancels the line being typed
                } catch (EndOfFileException e) {
                    break; // Ctrl-D or end of input
                }
                dispatch(reader, line, out);
            }
        } finally {
            try {
                reader.getHistory().save();
            } catch (IOException | RuntimeException e) {
                // history is a convenience
            }
            out.flush();
            crashNotices.close();
            terminal.handle(Terminal.Signal.INT, outerInt); // a shell opened inside a shell gives Ctrl-C back
            if (ownsEvaluator) evaluator.close();
        }
        return exitRequested ? exitCode : lastExit;
    }

    /**
     * The arrow keys in both of the forms a terminal sends them: JLine binds what terminfo names for the terminal's
     * keypad-transmit mode ({@code \eOA} on xterm), which it turns on for each line it reads; keys typed before that
     * (while the shell starts, {@link EarlyPrompt}, or while a command runs) come in the normal mode's form
     * ({@code \e[A}, ECMA-48 CUU..CUB) and would otherwise be read as ESC and the text {@code [A}.
     */
    static void bindCursorKeysInBothModes(LineReader reader) {
        KeyMap<Binding> main = reader.getKeyMaps().get(LineReader.MAIN);
        if (main == null) return;
        main.bind(new Reference(LineReader.UP_LINE_OR_HISTORY), "\033[A");
        main.bind(new Reference(LineReader.DOWN_LINE_OR_HISTORY), "\033[B");
        main.bind(new Reference(LineReader.FORWARD_CHAR), "\033[C");
        main.bind(new Reference(LineReader.BACKWARD_CHAR), "\033[D");
    }

    private boolean warmed;
    private boolean earlyPrompt;
    private final List<Runnable> afterPrompt = new ArrayList<>();

    /** {@link EarlyPrompt} has drawn the prompt: the first line is read from where it is, not below it. */
    public void continueEarlyPrompt() {
        earlyPrompt = true;
    }

    /** Runs {@code task} on a background daemon thread once the first prompt is drawn. */
    public void afterPrompt(Runnable task) {
        afterPrompt.add(task);
    }

    /**
     * Called after every redisplay; the first one has drawn the prompt: only then does JShell start building in the
     * background (unless it already is: {@code -Dmeros.jshell.early}, see {@link Main}), and once JShell is up and its
     * imports are in effect the command tree, so that the two do not share the CPU while a first Java line waits or is
     * evaluated. A line that needs the command names before that (one whose first word could be a command) builds the
     * tree itself.
     */
    private void onPromptShown() {
        if (warmed) return;
        warmed = true;
        evaluator.warmUpWithImports().whenComplete((done, failure) -> {
            Thread tree = new Thread(this::commands, "meros-commands");
            tree.setDaemon(true);
            tree.start();
        });
        for (Runnable task : afterPrompt) {
            Thread t = new Thread(task, "meros-after-prompt");
            t.setDaemon(true);
            t.start();
        }
    }

    private void dispatch(LineReader reader, String line, PrintWriter out) {
        Router.Route r = router.route(line);
        switch (r.kind()) {
            case EMPTY -> { }
            case COMMAND -> runCommand(r.args(), out);
            case JAVA -> runJava(reader, r.java(), r.commandWord(), out);
        }
    }

    private void runCommand(List<String> args, PrintWriter out) {
        CommandLine cl = commands();
        List<String> argv = new ArrayList<>();
        if (debug) argv.add("--debug");
        argv.addAll(args);
        busy = Thread.currentThread();
        try {
            lastExit = cl.execute(argv.toArray(new String[0]));
        } catch (RuntimeException e) {
            // execute() handles command exceptions; anything here is a bug in the shell itself
            out.println("error: " + e);
            lastExit = ExitCode.FAILED.code;
        } finally {
            busy = null;
            Thread.interrupted(); // a Ctrl-C that came after the command finished must not hit the next one
            out.flush();
        }
        follow(cl);
    }

    /** Follows the VMs the command just named, so that a crash of their QEMU is noticed above the prompt. */
    private void follow(CommandLine cl) {
        try {
            CommandLine.ParseResult pr = cl.getParseResult();
            CommandLine.ParseResult sub = pr == null ? null : pr.subcommand();
            if (sub == null) return;
            String constellation = null;
            String vm = null;
            for (CommandLine.Model.PositionalParamSpec p : sub.matchedPositionals()) {
                String label = p.paramLabel().replace("<", "").replace(">", "");
                if (label.equalsIgnoreCase("constellation") && p.getValue() instanceof String s) constellation = s;
                if (label.equalsIgnoreCase("vm") && p.getValue() instanceof String s) vm = s;
            }
            crashNotices.follow(constellation, vm);
        } catch (RuntimeException e) {
            // following is a convenience
        }
    }

    /** {@code commandWord}: the line's first word when it reads as command words ({@link Router.Route#commandWord()}). */
    private void runJava(LineReader reader, String first, String commandWord, PrintWriter out) {
        StringBuilder src = new StringBuilder(first);
        evaluator.pauseImports(); // the line's completeness check and evaluation follow each other on JShell's thread
        try {
            while (evaluator.completeness(src.toString()) == JShellEvaluator.Completeness.INCOMPLETE) {
                String more;
                try {
                    more = reader.readLine(CONTINUATION);
                } catch (UserInterruptException e) {
                    return; // Ctrl-C drops the unfinished snippet
                } catch (EndOfFileException e) {
                    break; // evaluate what we have: the errors say what is missing
                }
                src.append('\n').append(more);
            }
            if (commandWord != null && evaluator.isUnknownCommand(commandWord, src.toString())) {
                out.println("error: " + UnknownCommand.message(commandWord, commandNames()));
                lastExit = ExitCode.USAGE.code;
                return;
            }
            busyJava = true;
            JShellEvaluator.Outcome o = evaluator.eval(src.toString(), out, out);
            lastExit = o.ok() ? 0 : ExitCode.FAILED.code;
        } catch (RuntimeException e) {
            out.println("error: " + Text.printable(IoErrors.message(e)));
            lastExit = ExitCode.FAILED.code;
        } finally {
            evaluator.resumeImports();
            busyJava = false;
            out.flush();
        }
    }

    /** Ctrl-C while something runs: stop the snippet (jshell.stop()), or interrupt the command's thread. */
    private void interruptBusy() {
        if (busyJava) {
            evaluator.stop();
            return;
        }
        Thread t = busy;
        if (t != null) t.interrupt();
    }

    /** The command tree that executes lines; built on first use (not before the prompt). */
    private synchronized CommandLine commands() {
        if (commands == null) {
            PrintWriter w = terminal.writer();
            commands = decorate(factory.create(w, w));
            CommandLine script = commands.getSubcommands().get("script");
            if (script != null && script.getCommand() instanceof ScriptCommand sc) {
                // script --debug inside the shell: a shell over the same terminal and JShell; exit returns here
                sc.host(new ScriptRunner(evaluator, factory, (m, ev, f) -> new Repl(terminal, m, historyFile, debug, f, ev).run()));
            }
        }
        return commands;
    }

    /** A separate tree for completion: picocli's completion rebuilds CommandLine objects over the specs it gets. */
    private CommandLine completionTree() {
        PrintWriter nul = new PrintWriter(Writer.nullWriter());
        return decorate(factory.create(nul, nul));
    }

    private CommandLine decorate(CommandLine cl) {
        cl.addSubcommand("exit", new ExitCommand(() -> lastExit, code -> {
            exitCode = code;
            exitRequested = true;
        }));
        Cli.addHelpOptions(cl);
        // settings applied by the factory reach only the subcommands that existed then
        cl.setOut(cl.getOut());
        cl.setErr(cl.getErr());
        cl.setExecutionExceptionHandler(cl.getExecutionExceptionHandler());
        cl.setParameterExceptionHandler(cl.getParameterExceptionHandler());
        cl.getCommandSpec().usageMessage().footer(
                "",
                "Any other line is Java, evaluated by JShell with `meros` bound to the core API,",
                "e.g. meros.list(). A leading / forces a command (/list), a leading ; forces Java (;list).");
        return cl;
    }

    private Set<String> commandNames() {
        return new LinkedHashSet<>(commands().getSubcommands().keySet());
    }

    /** Creates {@code data/} only when the first history entry is saved. */
    private static final class LazyDirHistory extends DefaultHistory {
        @Override
        public void save() throws IOException {
            Path p = historyPath();
            if (p == null) return;
            if (size() == 0 && !Files.exists(p)) return;
            if (p.getParent() != null) Files.createDirectories(p.getParent());
            super.save();
        }

        private Path historyPath() {
            return reader == null ? null : (Path) reader.getVariable(LineReader.HISTORY_FILE);
        }

        private LineReader reader;

        @Override
        public void attach(LineReader reader) {
            this.reader = reader;
            super.attach(reader);
        }
    }
}
