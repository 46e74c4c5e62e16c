package meros.cli;

import meros.core.Meros;
import meros.core.base.Home;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One command line run in this JVM the way {@code meros} runs it ({@link Cli#create}, output through writers): its
 * exit code and what it wrote to each stream.
 */
record CliRun(int code, String out, String err) {

    /** Runs {@code args} against {@code home}. */
    static CliRun of(Home home, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.create(new Meros(home), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
