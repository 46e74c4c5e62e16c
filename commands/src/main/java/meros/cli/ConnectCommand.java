package meros.cli;

import meros.core.base.MerosException;
import meros.core.ssh.TerminalAccess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

@Command(name = "connect", description = "Open an interactive login shell on a running VM (SSH with a PTY); leave it with exit or Ctrl-D.")
final class ConnectCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Mixin AccessOptions vm;

    @Override
    public Integer call() {
        TerminalAccess t = root.meros().terminal();
        if (t == null) throw MerosException.usage("connect needs an interactive terminal (run it from a terminal or the meros> shell)");
        return vm.machine(root).login(vm.user, t).code();
    }
}
