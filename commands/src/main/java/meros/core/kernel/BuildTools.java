package meros.core.kernel;

import meros.core.ExitCode;
import meros.core.MerosException;
import meros.core.proc.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The host tools a kernel build needs, and the Debian packages that provide the missing ones. */
public final class BuildTools {
    private BuildTools() { }

    /** Program on PATH to Debian package. */
    static final Map<String, String> PROGRAMS = new LinkedHashMap<>();
    static {
        PROGRAMS.put("make", "make");
        PROGRAMS.put("gcc", "gcc");
        PROGRAMS.put("flex", "flex");
        PROGRAMS.put("bison", "bison");
        PROGRAMS.put("bc", "bc");
        PROGRAMS.put("perl", "perl");
        PROGRAMS.put("tar", "tar");
        PROGRAMS.put("xz", "xz-utils");
        PROGRAMS.put("gzip", "gzip");
    }

    /**
     * Debian packages missing for a build of {@code arch} from {@code source} (empty when all is there).
     * The predicates are the host probes, replaceable in tests.
     */
    public static List<String> missingPackages(KernelArch arch, KernelSource.Kind source,
                                               Predicate<String> onPath, Predicate<Path> exists) {
        Set<String> missing = new LinkedHashSet<>();
        PROGRAMS.forEach((prog, pkg) -> { if (!onPath.test(prog)) missing.add(pkg); });
        if (source == KernelSource.Kind.GIT && !onPath.test("git")) missing.add("git");
        if (!exists.test(Path.of("/usr/include/libelf.h")) && !exists.test(Path.of("/usr/include/gelf.h"))) {
            missing.add("libelf-dev");
        }
        if (!exists.test(Path.of("/usr/include/openssl/ssl.h"))) missing.add("libssl-dev");
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
