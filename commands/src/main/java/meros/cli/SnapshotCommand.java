package meros.cli;

import meros.core.base.MerosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "snapshot", description = {"save|load|delete|list internal snapshots (savevm/loadvm in the overlays).",
        "snapshot ACTION CONSTELLATION VM [NAME]: one VM. snapshot ACTION CONSTELLATION [NAME]: every VM at once, consistently",
        "(all paused, all saved or loaded, all resumed). After a load the guests' clocks are set. Blocks until done."})
final class SnapshotCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ACTION", completionCandidates = Actions.class, description = "save, load, delete or list") String action;
    @Parameters(index = "1", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "2", arity = "0..1", paramLabel = "VM|NAME") String vm;
    @Parameters(index = "3", arity = "0..1", paramLabel = "NAME") String name;

    static final class Actions extends ArrayList<String> {
        Actions() { super(List.of("save", "load", "delete", "list")); }
    }

    @Override
    public Integer call() {
        var c = root.meros().constellation(constellation);
        boolean whole = action.equals("list") ? vm == null : name == null;
        if (whole) {
            if (vm != null && c.manifest().vms().containsKey(vm)) {
                throw MerosException.usage("snapshot " + action + " " + constellation + " " + vm + ": '" + vm
                        + "' is a VM; name the snapshot (snapshot " + action + " " + constellation + " " + vm + " NAME)");
            }
            var out = spec.commandLine().getOut();
            switch (action) {
                case "save" -> c.snapshot(vm, out::println);
                case "load" -> c.restore(vm, out::println);
                case "delete" -> c.deleteSnapshot(vm, out::println);
                case "list" -> c.snapshots().forEach(out::println);
                default -> throw MerosException.usage("snapshot action must be save, load, delete or list, not '" + action + "'");
            }
            out.flush();
            return 0;
        }
        String text = c.vm(vm).snapshot(action, name);
        var out = spec.commandLine().getOut();
        out.println(action.equals("list") ? text.stripTrailing() : "snapshot " + action + " " + name + ": done" + (text.isBlank() ? "" : "; " + text));
        out.flush();
        return 0;
    }
}
