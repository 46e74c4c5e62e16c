package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "screendump", description = "Save a VM's screen to FILE (PNG, or PPM when FILE ends in .ppm).")
final class ScreendumpCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;
    @Parameters(index = "2", paramLabel = "FILE") Path file;

    @Override
    public Integer call() {
        root.meros().constellation(constellation).vm(vm).screendump(file);
        spec.commandLine().getOut().println("wrote " + file.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
