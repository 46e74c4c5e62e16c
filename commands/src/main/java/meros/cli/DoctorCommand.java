package meros.cli;

import meros.core.base.ExitCode;
import meros.core.host.HostTools;
import meros.core.host.Kvm;
import meros.core.qemu.Accel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "doctor", description = "Check the host tools meros needs and whether KVM acceleration works.")
final class DoctorCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print JSON (shape: docs/json.md).") boolean json;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<HostTools.Check> checks = root.meros().hostTools();
        boolean requiredMissing = checks.stream().anyMatch(c -> !c.found() && c.tool().required());
        int rc = requiredMissing ? ExitCode.MISSING_TOOL.code : ExitCode.OK.code;
        if (json) {
            Json.print(out, json(checks, root.meros().kvm(), root.meros().missingPackages(checks)));
            return rc;
        }
        out.print(table(checks));
        out.println("binfmt: " + root.meros().foreignArchSupport("aarch64"));
        out.flush();
        Kvm.Verdict kvm = root.meros().kvm();
        out.println("KVM: " + kvm);
        if (!kvm.method().isBlank()) out.println("  how: " + kvm.method());
        String env = System.getenv(Accel.ENV);
        out.println("  override: " + Accel.ENV + "=auto|kvm|tcg or init --accel auto|kvm|tcg, for one run"
                + (env == null || env.isBlank() ? "" : " (now " + Accel.ENV + "=" + env + ")")
                + "; delete " + root.meros().home().cache().resolve("kvm-probe.json") + " to probe again");
        List<String> missing = root.meros().missingPackages(checks);
        if (!missing.isEmpty()) out.println("install: sudo apt-get install -y " + String.join(" ", missing) + "   (or sudo ./dist-conf.sh)");
        out.flush();
        return rc;
    }

    /** The tools table, one line per check; each column as wide as its widest cell, so long package names stay aligned. */
    static String table(List<HostTools.Check> checks) {
        int name = "TOOL".length();
        int pkg = "PACKAGE".length();
        for (HostTools.Check c : checks) {
            name = Math.max(name, c.tool().name().length());
            pkg = Math.max(pkg, c.tool().pkg().length());
        }
        String row = "%-" + name + "s %-8s %-" + pkg + "s %s%n";
        StringBuilder sb = new StringBuilder(String.format(row, "TOOL", "STATUS", "PACKAGE", "NEEDED FOR"));
        for (HostTools.Check c : checks) {
            var t = c.tool();
            sb.append(String.format(row, t.name(), c.found() ? "found" : "MISSING", t.pkg(), t.purpose() + (t.required() ? "" : " (optional)")));
        }
        return sb.toString();
    }

    private static Map<String, Object> json(List<HostTools.Check> checks, Kvm.Verdict kvm, List<String> missing) {
        List<Object> tools = new ArrayList<>();
        for (HostTools.Check c : checks) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", c.tool().name());
            t.put("found", c.found());
            t.put("package", c.tool().pkg());
            t.put("required", c.tool().required());
            t.put("purpose", c.tool().purpose());
            tools.add(t);
        }
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("state", kvm.state().name().toLowerCase(Locale.ROOT));
        k.put("usable", kvm.usable());
        k.put("detail", kvm.detail());
        k.put("method", kvm.method());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tools", tools);
        doc.put("kvm", k);
        doc.put("missing_packages", missing);
        return doc;
    }
}
