package meros.cli;

import meros.core.Machine;
import meros.core.ssh.TransferMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "push", description = "Copy a file or directory into a running VM over SFTP, keeping modes (default: ~/shared/ of the VM's user).")
final class PushCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Mixin AccessOptions vm;

    @Parameters(index = "2", paramLabel = "LOCAL", description = "The local file or directory.")
    Path local;

    @Parameters(index = "3", arity = "0..1", paramLabel = "REMOTE", description = "Where in the guest (relative to the user's home; default ${DEFAULT-VALUE}).")
    String remote = Machine.GUEST_SHARED;

    @Override
    public Integer call() {
        var m = vm.machine(root);
        var err = spec.commandLine().getErr();
        boolean bars = BarProgress.terminal();
        TransferMeter meter = new TransferMeter(bars ? l -> { } : l -> { err.println(l); err.flush(); });
        try (BarProgress.Transfer bar = new BarProgress.Transfer(err, BarProgress.width())) {
            m.push(local, remote, vm.user, bars ? BarProgress.withBar(meter, bar) : meter, err::println);
        }
        spec.commandLine().getOut().println("pushed " + local + " to " + m.label() + ":" + remote + ": " + meter.summary());
        return 0;
    }
}
