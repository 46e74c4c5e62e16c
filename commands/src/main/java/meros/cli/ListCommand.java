package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "list", description = "List the constellations under constellations/.")
final class ListCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print JSON (shape: docs/json.md).") boolean json;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (json) Json.print(out, Map.of("constellations", root.meros().list()));
        else for (String name : root.meros().list()) out.println(name);
        out.flush();
        return 0;
    }
}
