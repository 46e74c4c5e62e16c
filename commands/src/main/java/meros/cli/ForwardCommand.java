package meros.cli;

import meros.core.manifest.Forward;
import meros.core.base.MerosException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "forward", description = {
        "Forward a host port to a guest port of a running VM (TCP, host address 127.0.0.1) until it shuts down.",
        "User-mode networking: QEMU hostfwd_add over QMP; bridged: a DNAT rule in the constellation's nftables table.",
        "Refused when the host port is bound or forwarded already (the owner is named)."},
        modelTransformer = ForwardCommand.DashedPorts.class)
final class ForwardCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;
    @Parameters(index = "2", paramLabel = "HOSTPORT:GUESTPORT", description = "e.g. 8080:80") String mapping;

    /**
     * A port spec may start with '-' ({@code -1:80}) and is then refused for its port, as other bad ports are: a word
     * that is no option of the command is a positional parameter here, and {@link #call} refuses one that reads as
     * an option ({@code --nosuch}, {@code -x}) as picocli would.
     */
    static final class DashedPorts implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().unmatchedOptionsArePositionalParams(true);
            return spec;
        }
    }

    @Override
    public Integer call() {
        for (String p : new String[] {constellation, vm, mapping}) {
            if (p.startsWith("-") && !p.matches("-[0-9].*")) throw new CommandLine.ParameterException(spec.commandLine(), "Unknown option: '" + p + "'");
        }
        Forward f;
        try {
            f = Forward.parse(mapping);
        } catch (IllegalArgumentException e) {
            throw MerosException.usage(e.getMessage());
        }
        root.meros().constellation(constellation).vm(vm).forwardPort(f);
        spec.commandLine().getOut().println(constellation + "/" + vm + ": forwarding " + f);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
