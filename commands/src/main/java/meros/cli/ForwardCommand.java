package meros.cli;

import meros.core.manifest.Forward;
import meros.core.base.MerosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "forward", description = {
        "Forward a host port to a guest port of a running VM (TCP, host address 127.0.0.1) until it shuts down.",
        "User-mode networking: QEMU hostfwd_add over QMP; bridged: a DNAT rule in the constellation's nftables table.",
        "Refused when the host port is bound or forwarded already (the owner is named)."})
final class ForwardCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;
    @Parameters(index = "2", paramLabel = "HOSTPORT:GUESTPORT", description = "e.g. 8080:80") String mapping;

    @Override
    public Integer call() {
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
