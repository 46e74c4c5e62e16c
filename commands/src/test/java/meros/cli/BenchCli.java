package meros.cli;

import meros.core.Meros;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One command tree over one Meros, as the shell keeps it: for benchmarks. */
public final class BenchCli {
    private final CommandLine cl;
    private final StringWriter err = new StringWriter();

    public BenchCli(Meros meros) {
        cl = Cli.create(meros, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    public int run(String... args) { return cl.execute(args); }

    public String err() { return err.toString(); }
}
