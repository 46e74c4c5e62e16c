package meros.cli;

import meros.core.Meros;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "list", description = "List the constellations under constellations/: directories with a manifest (<name>.yml, <name>.yaml, manifest.yml or manifest.yaml) whose name is letters, digits, _ . - and starts with a letter or digit; the others are named on stderr.")
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
        var err = spec.commandLine().getErr();
        for (String name : root.meros().misnamed()) {
            err.println("note: left out '" + name + "': not a constellation name (" + Meros.NAME_RULE + ")");
        }
        err.flush();
        return 0;
    }
}
