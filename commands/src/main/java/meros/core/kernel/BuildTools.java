package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.host.HostTools;
import meros.core.proc.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a kernel build needs from the host: the {@link HostTools#KERNEL_BUILD} entries of the shared host tool
 * table (the one {@code meros doctor} prints and {@code dist-conf.sh} installs), plus git for git sources and
 * the cross compiler for a foreign architecture.
 */
public final class BuildTools {
    private BuildTools() { }

    /**
     * Debian packages missing for a build of {@code arch} from {@code source} (empty when all is there).
     * The predicates are the host probes, replaceable in tests.
     */
    public static List<String> missingPackages(KernelArch arch, KernelSource.Kind source,
                                               Predicate<String> onPath, Predicate<Path> exists) {
        Set<String> missing = new LinkedHashSet<>();
        for (HostTools.Tool t : HostTools.TOOLS) {
            if (!t.purpose().equals(HostTools.KERNEL_BUILD)) continue;
            boolean found = t.kind() == HostTools.Kind.EXECUTABLE ? onPath.test(t.name()) : exists.test(Path.of(t.name()));
            if (!found) missing.add(t.pkg());
        }
        if (source == KernelSource.Kind.GIT && !onPath.test("git")) missing.add("git");
        if (arch.needsCross() && !onPath.test(arch.crossPrefix + "gcc")) missing.add(arch.crossPackage);
        return new ArrayList<>(missing);
    }

    /** Throws a one-line {@link ExitCode#MISSING_TOOL} error naming the packages to install. */
    public static void require(KernelArch arch, KernelSource.Kind source) {
        List<String> missing = missingPackages(arch, source, Proc::onPath, Files::exists);
        if (!missing.isEmpty()) {
            throw new MerosException(ExitCode.MISSING_TOOL, "kernel-build needs host packages that are missing: "
                    + String.join(" ", missing) + " (apt-get install " + String.join(" ", missing) + ")");
        }
    }
}
