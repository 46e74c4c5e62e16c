package meros.cli;

import meros.core.base.ExitCode;
import meros.core.qmp.EventFollower;
import meros.core.qmp.QmpEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;


@Command(name = "events", description = "Follow a VM's QMP events until Ctrl-C.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        try (EventFollower f = root.meros().constellation(constellation).vm(vm).follow()) {
            out.println("following events of " + constellation + "/" + vm + " (Ctrl-C stops)");
            out.flush();
            while (true) {
                QmpEvent e = f.next(LOOK);
                if (e != null) {
                    out.println(e);
                    out.flush();
                } else if (!f.isOpen()) {
                    out.println("(" + f.closeReason() + ")");
                    out.flush();
                    return ExitCode.FAILED.code;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.INTERRUPTED.code;
        }
    }

    /** How long one look for the next event blocks before checking the connection again. */
    private static final Duration LOOK = Duration.ofMillis(500);
}
