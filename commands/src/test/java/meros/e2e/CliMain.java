package meros.e2e;

import meros.cli.Cli;
import meros.core.base.Home;
import meros.core.Meros;

import java.io.PrintWriter;

/** Runs one meros command in a child JVM (so end-to-end tests can run it inside a network namespace). */
public final class CliMain {
    private CliMain() { }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int rc = Cli.create(new Meros(Home.detect()), out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(rc);
    }
}
