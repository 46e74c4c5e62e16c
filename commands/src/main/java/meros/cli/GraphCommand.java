package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "graph", description = {
        "Draw a constellation: the host, bridges (subnet, policy, allowed ports), VMs (addresses, arch, state while",
        "running) and their links. Without -o, print Graphviz DOT text; .svg and .png are drawn by Graphviz dot."})
final class GraphCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class,
            description = "A constellation under constellations/.")
    String constellation;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write FILE.svg, FILE.png or FILE.dot instead of printing DOT.")
    Path output;

    @Override
    public Integer call() {
        var c = root.meros().constellation(constellation);
        var out = spec.commandLine().getOut();
        if (output == null) {
            out.print(c.graph());
        } else {
            out.println("wrote " + c.graph(output));
        }
        out.flush();
        return 0;
    }
}
