package meros.cli;

import meros.core.manifest.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "validate", description = "Check a constellation's manifest; print every problem as file:line:column: message (exit 2).")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<constellation>", completionCandidates = ConstellationNames.class,
            description = "A constellation under constellations/.")
    String constellation;

    @Override
    public Integer call() {
        Manifest m = root.meros().load(constellation);
        int vms = m.vms().size();
        int bridges = m.bridges().size();
        var out = spec.commandLine().getOut();
        out.println(m.name() + ": OK (" + vms + (vms == 1 ? " VM, " : " VMs, ") + bridges + (bridges == 1 ? " bridge)" : " bridges)"));
        out.flush();
        return 0;
    }
}
