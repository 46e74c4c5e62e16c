package meros.cli;

import meros.core.base.ExitCode;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestException;
import meros.core.manifest.Problem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "validate", description = "Check a constellation's manifest; print every problem as file:line:column: message (exit 2).")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print JSON (shape: docs/json.md).") boolean json;

    @Parameters(index = "0", paramLabel = "<constellation>", completionCandidates = ConstellationNames.class,
            description = "A constellation under constellations/.")
    String constellation;

    @Override
    public Integer call() {
        if (json) return json();
        Manifest m = root.meros().load(constellation);
        int vms = m.vms().size();
        int bridges = m.bridges().size();
        var out = spec.commandLine().getOut();
        out.println(m.name() + ": OK (" + vms + (vms == 1 ? " VM, " : " VMs, ") + bridges + (bridges == 1 ? " bridge)" : " bridges)"));
        out.flush();
        return 0;
    }

    /** Valid or not, one JSON document on standard output; exit 2 when there are problems. */
    private int json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("constellation", constellation);
        List<Map<String, Object>> problems = new ArrayList<>();
        Manifest m = null;
        try {
            m = root.meros().load(constellation);
        } catch (ManifestException e) {
            for (Problem p : e.problems()) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("file", p.file());
                j.put("line", p.line());
                j.put("column", p.column());
                j.put("key_path", p.keyPath());
                j.put("message", p.detail());
                problems.add(j);
            }
        }
        doc.put("valid", m != null);
        doc.put("vms", m == null ? null : m.vms().size());
        doc.put("bridges", m == null ? null : m.bridges().size());
        doc.put("problems", problems);
        Json.print(spec.commandLine().getOut(), doc);
        return m != null ? ExitCode.OK.code : ExitCode.USAGE.code;
    }
}
