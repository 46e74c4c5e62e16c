package meros.cli;

import meros.core.base.MerosException;
import meros.core.scenario.JunitReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

@Command(name = "script", description = {"Run a .jsh file of meros commands and Java; stops at the first failing line (exit 1).",
        "With --debug after 'script': at the failing line, opens the meros> shell with the script's variables in scope",
        "and its VMs still running; 'exit' leaves it and the script ends as it would have (exit 1, report written)."})
public final class ScriptCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the script, e.g. scripts/example.jsh; - (or /dev/stdin) reads it from standard input")
    Path file;

    /** Where {@code -} reads the script from. */
    static final Path STDIN = Path.of("/dev/stdin");

    @CommandLine.Option(names = "--junit", paramLabel = "REPORT",
            description = "Also write a JUnit XML report: one test case per subtest(\"name\", ...) block.")
    Path junit;

    private ScriptHost host;

    /** The REPL passes its own runner so a script shares the session's JShell state. */
    public void host(ScriptHost h) { this.host = h; }

    /**
     * {@code script --debug FILE}: the inherited {@code -v/--debug} given after {@code script} (not before it, and not
     * the one the shell adds when it was started with {@code -v}) also opens the shell at a failing line.
     */
    private boolean debugShell() {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        return pr != null && pr.hasMatchedOption("--debug");
    }

    @Override
    public Integer call() {
        boolean debugShell = debugShell();
        if (file.toString().equals("-")) file = STDIN;
        if (Files.isDirectory(file)) throw MerosException.usage("script " + file + " is a directory, not a file");
        if (!Files.exists(file)) throw MerosException.usage("no script file " + file); // a pipe (<(...), /dev/stdin) is read as a file is
        ScriptHost h = host != null ? host : ServiceLoader.load(ScriptHost.class).findFirst()
                .orElseThrow(() -> MerosException.failed("no script runner on the class path (it lives in the shell module)"));
        if (junit == null) return h.run(root.meros(), file, spec.commandLine().getOut(), spec.commandLine().getErr(), debugShell);
        // --junit: subtests recorded during this run; the runner's error output is kept for a failure outside them
        var scenario = root.meros().scenario();
        scenario.reset();
        StringWriter errors = new StringWriter();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter tee = new PrintWriter(new Writer() {
            @Override public void write(char[] c, int o, int l) { err.write(c, o, l); errors.write(c, o, l); }
            @Override public void flush() { err.flush(); }
            @Override public void close() { err.flush(); }
        }, true);
        long t0 = System.nanoTime();
        int code = h.run(root.meros(), file, spec.commandLine().getOut(), tee, debugShell);
        tee.flush();
        String failure = code == 0 ? null : lastLine(errors.toString(), "the script failed with exit status " + code);
        JunitReport.write(junit, file.getFileName().toString(), scenario.cases(), failure,
                (System.nanoTime() - t0) / 1e9);
        return code;
    }

    private static String lastLine(String text, String fallback) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank() ? fallback : lines[lines.length - 1];
    }
}
