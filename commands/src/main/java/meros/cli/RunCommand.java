package meros.cli;

import meros.core.ssh.ExecResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "run", modelTransformer = RunCommand.OptionsEndAtCommand.class,
        description = {"Run COMMAND in a running VM with its /bin/sh, streaming its output; exits with its status.",
                "The words of COMMAND are joined with spaces (like ssh): quote shell syntax meant for the guest."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Mixin AccessOptions vm;

    @Option(names = "--gui", description = "Forward the program's Wayland windows to this host's display with waypipe.")
    boolean gui;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    @Override
    public Integer call() {
        var m = vm.machine(root);
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        // "run c vm -- cmd" as with ssh: the separator is not part of the command
        List<String> words = !command.isEmpty() && command.get(0).equals("--") ? command.subList(1, command.size()) : command;
        if (words.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'COMMAND'");
        String cmd = String.join(" ", words);
        ExecResult r = gui ? m.runGui(cmd, vm.user, new WriterSink(out), new WriterSink(err))
                : m.run(cmd, vm.user, new WriterSink(out), new WriterSink(err), err::println);
        if (r.status() == null) err.println("error: " + r.describe() + ": " + cmd);
        err.flush();
        return r.code();
    }

    /** Options end where COMMAND begins: {@code run demo vm ls -la} passes {@code -la} to ls. */
    static final class OptionsEndAtCommand implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }
}
