package meros.cli;

import meros.core.ExitCode;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "events", description = "Follow a VM's QMP events until Ctrl-C.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1", paramLabel = Completion.VM) String vm;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        QmpClient c = root.meros().constellation(constellation).vm(vm).eventClient();
        c.events().clear();
        out.println("following events of " + constellation + "/" + vm + " (Ctrl-C stops)");
        out.flush();
        try {
            while (true) {
                QmpEvent e = c.events().poll(500, TimeUnit.MILLISECONDS);
                if (e != null) {
                    out.println(e);
                    out.flush();
                } else if (!c.isConnected()) {
                    out.println("(" + c.closeReason() + ")");
                    out.flush();
                    return ExitCode.FAILED.code;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.INTERRUPTED.code;
        }
    }
}
