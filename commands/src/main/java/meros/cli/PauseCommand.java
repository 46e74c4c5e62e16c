package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "pause", description = "Pause a VM (QMP stop).")
final class PauseCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;

    @Override
    public Integer call() {
        var m = root.meros().constellation(constellation).vm(vm);
        m.pause();
        spec.commandLine().getOut().println(constellation + "/" + vm + ": " + m.status());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
