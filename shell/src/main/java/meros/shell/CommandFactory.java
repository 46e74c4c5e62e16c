package meros.shell;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Makes a command tree writing to the given writers; production code uses {@code meros.cli.Cli::create}. */
@FunctionalInterface
public interface CommandFactory {
    CommandLine create(PrintWriter out, PrintWriter err);
}
