package meros.core.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
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

    /** savevm / loadvm / delvm / info snapshots through the human monitor; returns its text output. */
    public static String snapshot(VmRuntime r, String action, String name) {
        String hmp = switch (action) {
            case "save" -> "savevm " + requireName(action, name);
            case "load" -> "loadvm " + requireName(action, name);
            case "delete" -> "delvm " + requireName(action, name);
            case "list" -> "info snapshots";
            default -> throw MerosException.usage("snapshot action must be save, load, delete or list, not '" + action + "'");
        };
        String outText = r.qmp("human-monitor-command", Map.of("command-line", hmp), Timeouts.SNAPSHOT).asText("");
        if (!action.equals("list") && !outText.isBlank()) {
            throw new MerosException(ExitCode.FAILED, "snapshot " + action + " " + name + " on " + r.label() + ": " + outText.strip().replace('\n', ' '));
        }
        return outText;
    }

    public static String requireName(String action, String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) throw MerosException.usage("snapshot " + action + " needs a NAME (letters, digits, _ . -)");
        return name;
    }

    public static QmpClient events(VmRuntime r) { return LiveEvents.of(r); }
}
