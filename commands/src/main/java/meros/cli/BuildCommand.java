package meros.cli;

import meros.core.base.MerosException;
import meros.core.Constellation;
import meros.core.image.ImageBuilder;
import meros.core.image.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "build", description = {
        "Build the VMs' disks under data/disks/<constellation>/: a cached base root (mmdebstrap, or the Alpine minirootfs),",
        "guest configuration, includes.chroot/, hooks/ and SSH keys, written with mke2fs -d and converted to qcow2.",
        "'build <constellation>' means '--rootfs-img'; '--use IMAGE' starts from an existing image instead."})
final class BuildCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Option(names = "--rootfs-img", description = "Bootstrap a root filesystem for each VM (the default).")
    boolean rootfsImg;

    @Option(names = "--use", paramLabel = "<image>", description = "Copy this existing disk image and apply the includes, hooks and keys to the copy (one VM).")
    Path use;

    @Parameters(index = "0", paramLabel = "<constellation>", completionCandidates = ConstellationNames.class,
            description = "A constellation under constellations/.")
    String constellation;

    @Parameters(index = "1..*", paramLabel = "<vm>", description = "The VMs to build (default: all).")
    List<String> vms = new ArrayList<>();

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (use != null && rootfsImg) throw MerosException.usage("--use and --rootfs-img exclude each other");
        if (use != null && vms.size() != 1) throw MerosException.usage("build --use needs exactly one VM: build --use <image> <constellation> <vm>");
        Constellation c = root.meros().constellation(constellation);
        Progress progress = BarProgress.forOutput(out);
        List<ImageBuilder.BuiltImage> built = use != null
                ? List.of(c.buildFrom(use, vms.get(0), progress))
                : c.build(progress, vms.toArray(String[]::new));
        for (ImageBuilder.BuiltImage b : built) {
            out.println(b.vm() + ": " + root.meros().home().display(b.disk())
                    + (b.kernel() != null ? " (kernel " + b.kernel().getFileName() + ", initrd " + b.initrd().getFileName() + ")" : ""));
        }
        out.flush();
        return 0;
    }
}
