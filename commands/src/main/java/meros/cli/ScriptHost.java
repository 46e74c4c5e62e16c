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
    int run(Meros meros, Path file, PrintWriter out, PrintWriter err);
}
