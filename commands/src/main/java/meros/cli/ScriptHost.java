package meros.cli;

import meros.core.Meros;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Runs a {@code .jsh} file of command lines and Java. Implemented by the shell module (the core cannot see
 * JShell); found through {@link java.util.ServiceLoader} unless the REPL hands its own to {@link ScriptCommand}.
 */
public interface ScriptHost {
    /** @return the exit code: 0 when every line succeeded, else 1 after printing {@code FILE:LINE: what failed} */
    default int run(Meros meros, Path file, PrintWriter out, PrintWriter err) {
        return run(meros, file, out, err, false);
    }

    /**
     * Like {@link #run(Meros, Path, PrintWriter, PrintWriter)}; with {@code debug}, a failing line is followed by
     * the {@code meros>} shell over the script's own JShell (its variables in scope, its VMs still running). This
     * call blocks until the user leaves that shell ({@code exit}, Ctrl-D); the runner's clean-up follows and the
     * result is still 1.
     */
    int run(Meros meros, Path file, PrintWriter out, PrintWriter err, boolean debug);
}
