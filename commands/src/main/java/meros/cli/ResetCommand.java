package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "reset", description = {
        "Put every VM of a running constellation back to its state right after init, without booting.",
        "Each VM's QEMU is replaced, all in parallel, by one resuming the VM's saved boot on a fresh overlay: "
                + "what the guests wrote since init is gone; guest clocks are set.",
        "Blocks until every VM answers again (typically 1-3 s under TCG, at most 60 s per VM) "
                + "and prints each VM's ready time in seconds. Same as constellation.reset() in Java.",
        "Fails (exit 1) when a VM of the constellation is not running, has no saved boot for its current image, kernel "
                + "and QEMU command line (init saves one when a VM first becomes ready; VMs with shared folders always "
                + "boot cold), or does not answer in time; exit 5 when another meros process holds the constellation."})
final class ResetCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        root.meros().constellation(constellation).reset(line -> { out.println(line); out.flush(); });
        return 0;
    }
}
