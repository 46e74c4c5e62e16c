package meros.cli;

import meros.core.ExitCode;
import meros.core.Meros;
import meros.core.MerosException;
import meros.core.Version;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The one factory for the picocli command tree: used by the REPL, one-shot CLI runs and tests.
 * Errors print one message line (stack trace only with {@code -v/--debug}); exit codes come from {@link ExitCode}.
 */
public final class Cli {
    private Cli() { }

    public static CommandLine create(Meros meros, PrintWriter out, PrintWriter err) {
        MerosCommand root = new MerosCommand(meros);
        ConstellationNames.use(meros);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            PrintWriter e = line.getErr();
            Throwable t = ex;
            if (t instanceof MerosException me) {
                e.println(prefixed(me.getMessage()));
                if (root.debug) me.printStackTrace(e);
                e.flush();
                return me.exitCode().code;
            }
            e.println("error: " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
            if (root.debug) t.printStackTrace(e);
            else e.println("(run with --debug for the stack trace)");
            e.flush();
            return ExitCode.FAILED.code;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter e = c.getErr();
            e.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, e);
            e.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            e.flush();
            return ExitCode.USAGE.code;
        });
        return cl;
    }

    /** Multi-line messages (manifest problems) are printed as they are; single lines get "error: ". */
    static String prefixed(String msg) {
        if (msg == null) return "error";
        return msg.contains("\n") || msg.matches("^[^ ]+:\\d+:\\d+: .*") ? msg : "error: " + msg;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meros " + Version.VERSION, "Java " + System.getProperty("java.version")};
        }
    }
}
