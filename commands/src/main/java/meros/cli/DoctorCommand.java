package meros.cli;

import meros.core.ExitCode;
import meros.core.host.Binfmt;
import meros.core.host.HostTools;
import meros.core.host.Kvm;
import meros.core.qemu.Accel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "doctor", description = "Check the host tools meros needs and whether KVM acceleration works.")
final class DoctorCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<HostTools.Check> checks = HostTools.check();
        out.printf("%-28s %-8s %-16s %s%n", "TOOL", "STATUS", "PACKAGE", "NEEDED FOR");
        boolean requiredMissing = false;
        for (HostTools.Check c : checks) {
            var t = c.tool();
            out.printf("%-28s %-8s %-16s %s%n", t.name(), c.found() ? "found" : "MISSING", t.pkg(),
                    t.purpose() + (t.required() ? "" : " (optional)"));
            requiredMissing |= !c.found() && t.required();
        }
        out.println("binfmt: " + Binfmt.describe("aarch64"));
        out.flush();
        Kvm.Verdict kvm = Kvm.probe(root.meros().home());
        out.println("KVM: " + kvm);
        if (!kvm.method().isBlank()) out.println("  how: " + kvm.method());
        String env = System.getenv(Accel.ENV);
        out.println("  override: " + Accel.ENV + "=auto|kvm|tcg or init --accel auto|kvm|tcg, for one run"
                + (env == null || env.isBlank() ? "" : " (now " + Accel.ENV + "=" + env + ")")
                + "; delete " + root.meros().home().cache().resolve("kvm-probe.json") + " to probe again");
        List<String> missing = HostTools.missingPackages(checks);
        if (!missing.isEmpty()) out.println("install: sudo apt-get install -y " + String.join(" ", missing) + "   (or sudo ./dist-conf.sh)");
        out.flush();
        return requiredMissing ? ExitCode.MISSING_TOOL.code : ExitCode.OK.code;
    }
}
