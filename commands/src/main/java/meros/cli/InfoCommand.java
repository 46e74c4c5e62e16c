package meros.cli;

import meros.core.base.MerosException;
import meros.core.lifecycle.Info;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "info", description = "Show each VM's state (QMP), pid, acceleration, uptime, addresses, SSH endpoint and disk, and each bridge's policy.")
final class InfoCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print JSON (shape: docs/json.md).") boolean json;
    @Parameters(index = "0", arity = "0..1", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;

    /**
     * One constellation, or every one: without a name, a constellation whose manifest cannot be read is named on
     * stderr with its one-line error and the others are still shown; the exit code is then that error's.
     */
    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<String> names = constellation != null ? List.of(constellation) : root.meros().list();
        List<Object> all = new ArrayList<>();
        int exit = 0;
        boolean first = true;
        for (String n : names) {
            Info info;
            try {
                info = root.meros().constellation(n).info();
            } catch (MerosException e) {
                if (constellation != null) throw e;
                err.println("error: " + n + ": " + e.getMessage());
                err.flush();
                if (exit == 0) exit = e.exitCode().code;
                continue;
            }
            if (json) {
                all.add(info.toMap());
            } else {
                if (!first) out.println();
                out.println(info.render());
                first = false;
            }
        }
        if (json) Json.print(out, Map.of("constellations", all));
        out.flush();
        return exit;
    }
}
