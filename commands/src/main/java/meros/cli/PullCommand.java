package meros.cli;

import meros.core.ssh.TransferMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "pull", description = "Copy a file or directory out of a running VM over SFTP, keeping modes (default: into data/shared/<c>/<vm>/).")
final class PullCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Mixin AccessOptions vm;

    @Parameters(index = "2", paramLabel = "REMOTE", description = "The file or directory in the guest (relative to the user's home).")
    String remote;

    @Parameters(index = "3", arity = "0..1", paramLabel = "LOCAL", description = "Where to put it (default: data/shared/<c>/<vm>/).")
    Path local;

    @Override
    public Integer call() {
        var m = vm.machine(root);
        var err = spec.commandLine().getErr();
        boolean bars = BarProgress.terminal();
        TransferMeter meter = new TransferMeter(bars ? l -> { } : l -> { err.println(l); err.flush(); });
        Path dest;
        try (BarProgress.Transfer bar = new BarProgress.Transfer(err, BarProgress.width())) {
            dest = m.pull(remote, local, vm.user, bars ? BarProgress.withBar(meter, bar) : meter, err::println);
        }
        spec.commandLine().getOut().println("pulled " + m.label() + ":" + remote + " to " + dest + ": " + meter.summary());
        return 0;
    }
}
