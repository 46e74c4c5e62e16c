package meros.cli;

import meros.core.kernel.KernelArch;
import meros.core.kernel.KernelBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "kernel-build", mixinStandardHelpOptions = true,
        description = {"Build a minimal guest kernel (tinyconfig + meros's fragment + yours) into data/disks/bzImage",
                "(x86_64) or data/disks/Image (--arch aarch64, cross-compiled with gcc-aarch64-linux-gnu).",
                "Boots a meros disk without initrd or modules: name it in a VM of that arch with",
                "'kernel: data/disks/bzImage' or 'kernel: data/disks/Image'."})
final class KernelBuildCommand implements Callable<Integer> {
    @ParentCommand MerosCommand root;
    @Spec CommandSpec spec;

    @Option(names = "--source", paramLabel = "DIR|TARBALL|GIT-URL",
            description = "Kernel sources (default: Debian's /usr/src/linux-source-*.tar.xz).")
    String source;

    @Option(names = "--config", paramLabel = "FRAGMENT", description = "A Kconfig fragment merged last (it wins).")
    Path config;

    @Option(names = "--arch", paramLabel = "x86_64|aarch64", description = "Target architecture (default: the host's).")
    String arch;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Parallel make jobs (default: number of cores).")
    int jobs;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        KernelBuilder.Listener l = BarProgress.terminal() ? BarProgress.kernel(out, BarProgress.width()) : KernelBuilder.printing(out, false);
        var r = root.meros().kernelBuild(new KernelBuilder.Options(source, config, KernelArch.of(arch), jobs), l);
        l.phase((r.imageChanged() ? "installed " : "unchanged ") + root.meros().home().display(r.image())
                + " (" + r.elapsed().toSeconds() + " s" + (r.reconfigured() ? "" : ", configuration unchanged") + ")");
        return 0;
    }
}
