package meros.cli;

import meros.core.MerosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

@Command(name = "script", description = "Run a .jsh file of meros commands and Java; stops at the first failing line (exit 1).")
public final class ScriptCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the script, e.g. scripts/example.jsh")
    Path file;

    @picocli.CommandLine.Option(names = "--junit", paramLabel = "REPORT",
            description = "Also write a JUnit XML report: one test case per subtest(\"name\", ...) block.")
    Path junit;

    private ScriptHost host;

    /** The REPL passes its own runner so a script shares the session's JShell state. */
    public void host(ScriptHost h) { this.host = h; }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) throw MerosException.usage("no script file " + file);
        ScriptHost h = host != null ? host : ServiceLoader.load(ScriptHost.class).findFirst()
                .orElseThrow(() -> MerosException.failed("no script runner on the class path (it lives in the shell module)"));
        if (junit == null) return h.run(root.meros(), file, spec.commandLine().getOut(), spec.commandLine().getErr());
        // --junit: subtests recorded during this run; the runner's error output is kept for a failure outside them
        var scenario = root.meros().scenario();
        scenario.reset();
        java.io.StringWriter errors = new java.io.StringWriter();
        java.io.PrintWriter err = spec.commandLine().getErr();
        java.io.PrintWriter tee = new java.io.PrintWriter(new java.io.Writer() {
            @Override public void write(char[] c, int o, int l) { err.write(c, o, l); errors.write(c, o, l); }
            @Override public void flush() { err.flush(); }
            @Override public void close() { err.flush(); }
        }, true);
        long t0 = System.nanoTime();
        int code = h.run(root.meros(), file, spec.commandLine().getOut(), tee);
        tee.flush();
        String failure = code == 0 ? null : lastLine(errors.toString(), "the script failed with exit status " + code);
        meros.core.scenario.JunitReport.write(junit, file.getFileName().toString(), scenario.cases(), failure,
                (System.nanoTime() - t0) / 1e9);
        return code;
    }

    private static String lastLine(String text, String fallback) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank() ? fallback : lines[lines.length - 1];
    }
}
