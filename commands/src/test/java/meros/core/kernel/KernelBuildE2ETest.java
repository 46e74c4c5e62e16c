package meros.core.kernel;

import meros.core.base.Home;
import meros.core.proc.Proc;
import meros.testkit.Warmup;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kernel-build against the real thing: Debian's linux-source tarball, real make and gcc. Reuses the build left in
 * {@code data/build/kernel/} by an earlier run in this checkout (a cold build takes minutes; incremental seconds).
 * Booting the result is {@code meros.e2e.KernelDemoE2ETest}.
 */
@Tag("e2e")
class KernelBuildE2ETest {
    private final Home home = Home.detect();
    private final Path work = home.build().resolve("kernel-test");

    private KernelBuilder.Result build(Path fragment) {
        return new KernelBuilder(home).build(new KernelBuilder.Options(null, fragment, KernelArch.X86_64, 0),
                KernelBuilder.printing(new PrintWriter(System.out, true), false));
    }

    @Test
    void buildsFromTheDebianTarballIncrementallyAndWarnsAboutUnknownSymbols() throws IOException {
        Warmup.await(Warmup.KERNEL_X86_64); // scripts/test builds it in the background
        KernelBuilder.Result first = build(null);
        assertEquals(home.disks().resolve("bzImage"), first.image());
        String version = KernelBuilder.bzImageVersion(first.image());
        assertNotNull(version, "data/disks/bzImage is not a bzImage");
        assertTrue(version.startsWith(firstLine(Proc.of("make", "-s", "-C", first.tree().toString(), "kernelversion").output())),
                version);

        KernelBuilder.Result again = build(null);
        assertFalse(again.reconfigured(), "nothing changed: the configuration step must be skipped");
        assertFalse(again.imageChanged(), "nothing changed: the image must stay as it is");
        assertEquals(List.of(), again.warnings());

        Path fragment = Files.createDirectories(work).resolve("unknown.config");
        Files.writeString(fragment, "CONFIG_MEROS_E2E_NO_SUCH_SYMBOL=y\nCONFIG_PRINTK=y\n");
        KernelBuilder.Result withUnknown = build(fragment);
        assertTrue(withUnknown.reconfigured(), "a changed fragment reconfigures");
        assertEquals(List.of("warning: unknown Kconfig symbols (ignored): CONFIG_MEROS_E2E_NO_SUCH_SYMBOL (" + fragment + ")"),
                withUnknown.warnings());
        assertFalse(withUnknown.imageChanged(), "an ignored symbol changes nothing in the kernel");

        KernelBuilder.Result back = build(null);
        assertTrue(back.reconfigured());
        assertEquals(List.of(), back.warnings());
        assertTrue(Files.readString(back.buildDir().resolve(".config")).contains("\nCONFIG_VIRTIO_BLK=y\n"));
    }

    private static String firstLine(String s) { return s.strip().lines().findFirst().orElse(""); }
}
