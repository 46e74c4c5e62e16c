package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildToolsTest {
    private static final Set<String> ALL = Set.of("make", "gcc", "flex", "bison", "bc", "perl", "tar", "xz", "gzip", "git",
            "aarch64-linux-gnu-gcc", "x86_64-linux-gnu-gcc");
    private static final Set<Path> HEADERS = Set.of(Path.of("/usr/include/libelf.h"), Path.of("/usr/include/openssl/ssl.h"));

    @Test
    void nothingMissingWhenEverythingIsThere() {
        assertEquals(List.of(), BuildTools.missingPackages(KernelArch.X86_64, KernelSource.Kind.GIT, ALL::contains, HEADERS::contains));
    }

    @Test
    void namesTheDebianPackagesOfWhatIsMissing() {
        Set<String> progs = Set.of("make", "gcc", "bc", "xz");
        assertEquals(List.of("flex", "bison", "libelf-dev", "libssl-dev", "git"),
                BuildTools.missingPackages(KernelArch.X86_64, KernelSource.Kind.GIT, progs::contains, p -> false));
        assertEquals(List.of("flex", "bison", "libssl-dev"),
                BuildTools.missingPackages(KernelArch.X86_64, KernelSource.Kind.TARBALL, progs::contains,
                        Set.of(Path.of("/usr/include/libelf.h"))::contains));
        assertEquals(List.of("build-essential", "xz-utils"),
                BuildTools.missingPackages(KernelArch.X86_64, KernelSource.Kind.TREE, Set.of("flex", "bison", "bc")::contains,
                        HEADERS::contains));
    }

    @Test
    void aCrossBuildNeedsTheCrossCompiler() {
        KernelArch other = KernelArch.of(KernelArch.host()) == KernelArch.X86_64 ? KernelArch.AARCH64 : KernelArch.X86_64;
        Set<String> noCross = Set.of("make", "gcc", "flex", "bison", "bc", "xz");
        assertEquals(List.of(other.crossPackage),
                BuildTools.missingPackages(other, KernelSource.Kind.TREE, noCross::contains, HEADERS::contains));
        assertEquals("gcc-aarch64-linux-gnu", KernelArch.AARCH64.crossPackage);
    }

    @Test
    void unknownArchitectureIsAUsageError() {
        MerosException e = Assertions.assertThrows(MerosException.class, () -> KernelArch.of("riscv64"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("x86_64 or aarch64"));
    }
}
