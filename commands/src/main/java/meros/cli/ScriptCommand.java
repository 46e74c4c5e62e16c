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

    private ScriptHost host;

    /** The REPL passes its own runner so a script shares the session's JShell state. */
    public void host(ScriptHost h) { this.host = h; }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) throw MerosException.usage("no script file " + file);
        ScriptHost h = host != null ? host : ServiceLoader.load(ScriptHost.class).findFirst()
                .orElseThrow(() -> MerosException.failed("no script runner on the class path (it lives in the shell module)"));
        return h.run(root.meros(), file, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
