package meros.cli;

import meros.core.qemu.Accel;
import meros.core.Constellation;
import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "init", description = {"Start a constellation's VMs (all, or those named): network, disks, QEMU; wait until they answer.",
        "Blocks until every VM answers SSH (or its guest agent) or its boot_timeout (seconds) passes; prints progress while it waits.",
        "A VM that accel auto started under KVM and that shows no progress within 8 s (60 s when its kernel_args, e.g. quiet, keep the kernel's banner off the console) is restarted under TCG, and KVM is recorded as unusable.",
        "A VM with a saved boot (its running state, saved the first time it became ready) resumes it in seconds instead of booting;",
        "any change to the VM, its image, kernel or QEMU makes init boot it cold and save the boot again."})
final class InitCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = Completion.CONSTELLATION, completionCandidates = Completion.Constellations.class) String constellation;
    @Parameters(index = "1..*", paramLabel = Completion.VM) List<String> vms = List.of();
    @Option(names = "--accel", paramLabel = "auto|kvm|tcg",
            description = "Acceleration for every VM of this run, over MEROS_ACCEL and the manifest's accel (default: neither given, the manifest).")
    String accel;
    @Option(names = "--cold", description = "Boot every VM even when it has a saved boot (default: resume it).")
    boolean cold;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        root.meros().constellation(constellation).init(new Constellation.InitOptions(line -> { out.println(line); out.flush(); },
                BarProgress.forOutput(out), accel == null ? null : Accel.parse(accel, "--accel " + accel), cold), vms.toArray(String[]::new));
        return 0;
    }
}
