package meros.cli;

import meros.core.manifest.ManifestYaml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "show", description = "Print a constellation's resolved manifest as YAML, every default filled in.")
final class ShowCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print JSON (shape: docs/json.md).") boolean json;

    @Parameters(index = "0", paramLabel = "<constellation>", completionCandidates = ConstellationNames.class,
            description = "A constellation under constellations/.")
    String constellation;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var m = root.meros().load(constellation);
        if (json) Json.print(out, ManifestYaml.toMap(m));
        else out.print(ManifestYaml.dump(m));
        out.flush();
        return 0;
    }
}
