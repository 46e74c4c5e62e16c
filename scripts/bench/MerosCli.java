// One-shot meros CLI for benchmarks when ./meros is not built yet: the same picocli tree (meros.cli.Cli)
// the REPL and ./meros use. Run with the commands module's classes and dependencies on the class path:
//   java -cp commands/target/classes:<deps> scripts/bench/MerosCli.java build demo
import meros.cli.Cli;
import meros.core.Home;
import meros.core.Meros;

import java.io.PrintWriter;

public class MerosCli {
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int rc = Cli.create(new Meros(Home.detect()), out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(rc);
    }
}
