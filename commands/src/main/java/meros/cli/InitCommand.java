package meros.cli;

import meros.core.qemu.Lifecycle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "init", description = "Start a constellation's VMs (all, or those named): network, disks, QEMU; wait until they answer.")
final class InitCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1..*", paramLabel = Completion.VM) List<String> vms = List.of();

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        new Lifecycle(root.meros().home(), line -> { out.println(line); out.flush(); })
                .buildProgress(BarProgress.forOutput(out))
                .init(root.meros().load(constellation), vms);
        return 0;
    }
}
