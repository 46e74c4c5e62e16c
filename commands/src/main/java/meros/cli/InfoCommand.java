package meros.cli;

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

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<String> names = constellation != null ? List.of(constellation) : root.meros().list();
        if (json) {
            List<Object> all = new ArrayList<>();
            for (String n : names) all.add(root.meros().constellation(n).info().toMap());
            Json.print(out, Map.of("constellations", all));
            return 0;
        }
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) out.println();
            out.println(root.meros().constellation(names.get(i)).info().render());
        }
        out.flush();
        return 0;
    }
}
