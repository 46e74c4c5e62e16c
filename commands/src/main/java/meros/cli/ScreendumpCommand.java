package meros.cli;

import meros.core.qemu.Live;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "screendump", description = "Save a VM's screen to FILE (PPM, or PNG when FILE ends in .png).")
final class ScreendumpCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;
    @Parameters(index = "2", paramLabel = "FILE") Path file;

    @Override
    public Integer call() {
        Live.screendump(root.meros().constellation(constellation).vm(vm).runtime(), file);
        spec.commandLine().getOut().println("wrote " + file.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
