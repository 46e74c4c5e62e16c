package meros.core.qemu;

import java.util.Collection;
import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.qmp.QmpClient;
import meros.core.wait.Timeouts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Live operations on a running VM over QMP: the logic behind {@code Machine}'s and the commands' QMP verbs. */
public final class Live {
    private Live() { }


    /** QMP command names the VM's own QEMU supports ({@code query-commands}), sorted: for Tab completion. */
    public static List<String> commands(VmRuntime r) {
        List<String> names = new ArrayList<>();
        for (JsonNode c : r.qmp("query-commands", null, Timeouts.QMP_QUERY)) names.add(c.path("name").asText());
        names.sort(null);
        return names;
    }

    /**
     * savevm / loadvm / delvm / info snapshots through the human monitor; returns its text output. A load or delete
     * of a snapshot the VM does not have fails before QEMU is asked: QEMU's {@code loadvm} stops the VM first and
     * leaves it stopped when the name is unknown, and its {@code delvm} says nothing about one.
     *
     * @throws MerosException USAGE for a bad action or name; FAILED when the VM lacks the snapshot (naming the ones it
     *                        has) or QEMU answers with an error
     */
    public static String snapshot(VmRuntime r, String action, String name) {
        if (action.equals("load") || action.equals("delete")) {
            requireName(action, name);
            List<String> have = tags(r);
            if (!have.contains(name)) throw MerosException.failed(noSnapshot(r.label(), name, have));
        }
        return snapshotAsChecked(r, action, name);
    }

    /**
     * {@link #snapshot} for a caller that has checked already that the VM has snapshot {@code name} (a load or delete
     * of a whole constellation checks every VM first): one HMP command, no {@code info snapshots} before it.
     */
    public static String snapshotAsChecked(VmRuntime r, String action, String name) {
        String hmp = switch (action) {
            case "save" -> "savevm " + requireName(action, name);
            case "load" -> "loadvm " + requireName(action, name);
            case "delete" -> "delvm " + requireName(action, name);
            case "list" -> "info snapshots";
            default -> throw MerosException.usage("snapshot action must be save, load, delete or list, not '" + action + "'");
        };
        // the monitor ends its lines with CR LF (a terminal's): returned and shown with LF only
        String outText = Text.printable(r.qmp("human-monitor-command", Map.of("command-line", hmp), Timeouts.SNAPSHOT).asText(""));
        if (!action.equals("list") && !outText.isBlank()) {
            throw new MerosException(ExitCode.FAILED, "snapshot " + action + " " + name + " on " + r.label() + ": " + Text.printableLine(outText.strip()));
        }
        return outText;
    }

    /** The tags of a VM's internal snapshots that it can load, parsed from {@code info snapshots}. */
    public static List<String> tags(VmRuntime r) {
        return parseTags(snapshot(r, "list", null));
    }

    /**
     * The TAG column of the "present on all disks" table in HMP {@code info snapshots} output (QEMU prints "--" as
     * their ID, and lists snapshots missing from some disk in later "partial" tables, which cannot be loaded).
     */
    static List<String> parseTags(String text) {
        List<String> tags = new ArrayList<>();
        boolean section = false;
        for (String line : text.split("\r?\n")) {
            String l = line.strip();
            if (l.startsWith("List of ")) { section = l.startsWith("List of snapshots present on all disks"); continue; }
            if (!section || l.isEmpty() || (l.startsWith("ID") && l.contains("TAG"))) continue;
            String[] f = l.split("\\s+");
            if (f.length >= 2) tags.add(f[1]);
        }
        return tags;
    }

    /** The error for a VM lacking snapshot {@code name}: the snapshots it has, or that it has none. */
    public static String noSnapshot(String vm, String name, List<String> have) {
        return "vm " + vm + " has no snapshot '" + name + "' (" + (have.isEmpty() ? "it has none" : "have: " + String.join(", ", have)) + ")";
    }

    /**
     * The longest snapshot name QEMU keeps whole: its {@code QEMUSnapshotInfo} holds the name in {@code char name[256]}
     * and cuts a longer one to 255 bytes, which then no longer matches the name given.
     */
    public static final int NAME_MAX = 255;

    /** A snapshot name's rule, as error messages state it. */
    public static final String NAME_RULE = "letters, digits, _ . -; not . or ..; at most " + NAME_MAX + " characters";

    /**
     * {@code name} when it is a snapshot name QEMU keeps as given: letters, digits, {@code _ . -}, not {@code .} or
     * {@code ..}, at most {@link #NAME_MAX} characters.
     *
     * @throws MerosException USAGE when there is no name or it breaks the rule
     */
    public static String requireName(String action, String name) {
        if (name == null || name.isEmpty()) throw MerosException.usage("snapshot " + action + " needs a NAME (" + NAME_RULE + ")");
        if (name.length() > NAME_MAX) {
            throw MerosException.usage("invalid snapshot name of " + name.length() + " characters: QEMU keeps at most " + NAME_MAX);
        }
        if (!name.matches("[A-Za-z0-9_.-]+") || name.equals(".") || name.equals("..")) {
            throw MerosException.usage("invalid snapshot name '" + Text.printableLine(name) + "' (" + NAME_RULE + ")");
        }
        return name;
    }

    /**
     * {@link #requireName} for a save, which also refuses a VM's name of the constellation: the whole-constellation
     * form {@code snapshot load C NAME} takes a VM's name for the VM, so such a snapshot could not be loaded by it.
     */
    public static String requireNewName(String name, String constellation, Collection<String> vms) {
        requireName("save", name);
        if (vms.contains(name)) {
            throw MerosException.usage("snapshot name '" + name + "' is the name of a VM of " + constellation
                    + " ('snapshot load " + constellation + " " + name + "' would mean the VM): choose another name");
        }
        return name;
    }

    public static QmpClient events(VmRuntime r) { return LiveEvents.of(r); }
}
