package meros.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "snapshot", description = "save|load|delete|list internal snapshots of a running VM (savevm/loadvm in its overlay).")
final class SnapshotCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = Actions.class, description = "save, load, delete or list") String action;
    @Parameters(index = "1", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "2", paramLabel = Completion.VM) String vm;
    @Parameters(index = "3", arity = "0..1", paramLabel = "NAME") String name;

    static final class Actions extends java.util.ArrayList<String> {
        Actions() { super(java.util.List.of("save", "load", "delete", "list")); }
    }

    @Override
    public Integer call() {
        String text = root.meros().constellation(constellation).vm(vm).snapshot(action, name);
        var out = spec.commandLine().getOut();
        out.println(action.equals("list") ? text.stripTrailing() : "snapshot " + action + " " + name + ": done");
        out.flush();
        return 0;
    }
}
