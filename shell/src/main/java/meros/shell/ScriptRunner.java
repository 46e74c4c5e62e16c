package meros.shell;

import meros.cli.Cli;
import meros.cli.ScriptHost;
import meros.core.ExitCode;
import meros.core.Meros;
import meros.core.MerosException;
import meros.core.TextFiles;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Runs a {@code .jsh} file: command lines and Java (multi-line snippets included, split with JShell's own
 * completeness analysis), echoing each line after {@code meros> } as it goes. Blank lines and lines starting
 * with {@code //} between snippets are skipped. Stops at the first failing line with
 * {@code FILE:LINE: what failed} and exit code 1; 0 when every line succeeded. An {@code exit} line ends the
 * script successfully.
 */
public final class ScriptRunner implements ScriptHost {
    private final JShellEvaluator shared;
    private final CommandFactory factory;

    /** For {@link java.util.ServiceLoader} (one-shot {@code meros script FILE}): a fresh evaluator per run. */
    public ScriptRunner() {
        this(null, null);
    }

    /** Shares the REPL's evaluator, so definitions made by the script stay in the session. */
    public ScriptRunner(JShellEvaluator shared, CommandFactory factory) {
        this.shared = shared;
        this.factory = factory;
    }

    @Override
    public int run(Meros meros, Path file, PrintWriter out, PrintWriter err) {
        List<String> lines;
        try {
            lines = TextFiles.read(file).lines().toList();
        } catch (MerosException e) {
            err.println(e.getMessage());
            err.flush();
            return e.exitCode().code;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            err.flush();
            return ExitCode.FAILED.code;
        }
        CommandFactory f = factory != null ? factory : (o, e) -> Cli.create(meros, o, e);
        CommandLine[] commands = new CommandLine[1];
        java.util.function.Supplier<CommandLine> cl = () -> {
            if (commands[0] == null) commands[0] = f.create(out, err);
            return commands[0];
        };
        Router router = new Router(() -> {
            LinkedHashSet<String> names = new LinkedHashSet<>(cl.get().getSubcommands().keySet());
            names.add("exit");
            return names;
        });
        JShellEvaluator evaluator = shared;
        boolean own = false;
        try {
            for (int i = 0; i < lines.size(); i++) {
                String raw = lines.get(i);
                String t = raw.strip();
                if (t.isEmpty() || t.startsWith("//") || (i == 0 && t.startsWith("#!"))) continue;
                Router.Route r = router.route(raw);
                switch (r.kind()) {
                    case EMPTY -> { }
                    case COMMAND -> {
                        out.println(Repl.PROMPT + t);
                        out.flush();
                        if (r.args().size() == 1 && r.args().get(0).equals("exit")) return 0;
                        int code = cl.get().execute(r.args().toArray(new String[0]));
                        out.flush();
                        err.flush();
                        if (code != 0) {
                            return fail(err, file, i, "'" + t + "' exited with status " + code);
                        }
                    }
                    case JAVA -> {
                        if (evaluator == null) {
                            evaluator = new JShellEvaluator(meros);
                            own = true;
                        }
                        int start = i;
                        StringBuilder src = new StringBuilder(r.java());
                        while (evaluator.completeness(src.toString()) == JShellEvaluator.Completeness.INCOMPLETE
                                && i + 1 < lines.size()) {
                            src.append('\n').append(lines.get(++i));
                        }
                        for (int k = start; k <= i; k++) {
                            out.println((k == start ? Repl.PROMPT : Repl.CONTINUATION) + lines.get(k));
                        }
                        out.flush();
                        if (evaluator.completeness(src.toString()) == JShellEvaluator.Completeness.INCOMPLETE) {
                            return fail(err, file, start, "unfinished Java snippet at end of file");
                        }
                        JShellEvaluator.Outcome o = evaluator.eval(src.toString(), out, err);
                        if (!o.ok()) return fail(err, file, start + o.line(), o.failure());
                    }
                }
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

    private static int fail(PrintWriter err, Path file, int line, String what) {
        err.println(file + ":" + (line + 1) + ": " + what);
        err.flush();
        return ExitCode.FAILED.code;
    }
}
