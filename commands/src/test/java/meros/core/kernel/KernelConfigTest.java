package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelConfigTest {

    private static KernelConfig.Fragment f(String origin, String text) { return new KernelConfig.Fragment(origin, text); }

    @Test
    void parsesSetAndNotSetLinesSkippingComments() {
        Map<String, String> m = KernelConfig.parse("x.config", """
                # a comment
                CONFIG_A=y

                # CONFIG_B is not set
                CONFIG_C="ttyS0"
                CONFIG_D=0x10
                """);
        assertEquals(Map.of("CONFIG_A", "y", "CONFIG_B", "n", "CONFIG_C", "\"ttyS0\"", "CONFIG_D", "0x10"), m);
    }

    @Test
    void aBadLineIsAUsageErrorNamingFileAndLine() {
        MerosException e = assertThrows(MerosException.class,
                () -> KernelConfig.parse("mine.config", "CONFIG_A=y\nVIRTIO_BLK=y\n"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("mine.config:2: not a Kconfig line"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void laterFragmentWinsIncludingNotSet() {
        var merged = KernelConfig.merge(List.of(
                f("meros.config", "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\n"),
                f("user.config", "# CONFIG_A is not set\nCONFIG_C=y\nCONFIG_D=m\n")));
        assertEquals("n", merged.get("CONFIG_A").value());
        assertEquals("user.config", merged.get("CONFIG_A").origin());
        assertEquals("y", merged.get("CONFIG_B").value());
        assertEquals("meros.config", merged.get("CONFIG_B").origin());
        assertEquals("y", merged.get("CONFIG_C").value());
        assertEquals(List.of("CONFIG_B", "CONFIG_A", "CONFIG_C", "CONFIG_D"), List.copyOf(merged.keySet()));
    }

    @Test
    void applyReplacesRequestedLinesAndKeepsTheRest() {
        String base = "#\n# comment\nCONFIG_A=n_is_weird\n# CONFIG_B is not set\nCONFIG_KEEP=y\n";
        var merged = KernelConfig.merge(List.of(f("m", "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_NEW is not set\n")));
        String out = KernelConfig.apply(base, merged);
        Map<String, String> parsed = KernelConfig.parse("out", out);
        assertEquals("y", parsed.get("CONFIG_A"));
        assertEquals("y", parsed.get("CONFIG_B"));
        assertEquals("y", parsed.get("CONFIG_KEEP"));
        assertEquals("n", parsed.get("CONFIG_NEW"));
        assertEquals(1, out.lines().filter(l -> l.contains("CONFIG_A")).count());
        assertTrue(out.contains("# comment\n"));
    }

    @Test
    void verifyReportsOnlyWhatDiffers() {
        var requested = KernelConfig.merge(List.of(f("meros.config", """
                CONFIG_OK=y
                CONFIG_STR="ttyS0"
                # CONFIG_OFF_ABSENT is not set
                # CONFIG_OFF_NOTSET is not set
                # CONFIG_OFF_BUT_ON is not set
                CONFIG_UNMET=y
                CONFIG_WRONG=y
                """)));
        String result = """
                CONFIG_OK=y
                CONFIG_STR=ttyS0
                # CONFIG_OFF_NOTSET is not set
                CONFIG_OFF_BUT_ON=y
                CONFIG_WRONG=m
                """;
        var mismatches = KernelConfig.verify(requested, result);
        assertEquals(List.of(
                new KernelConfig.Mismatch("CONFIG_OFF_BUT_ON", "n", "y", "meros.config"),
                new KernelConfig.Mismatch("CONFIG_UNMET", "y", null, "meros.config"),
                new KernelConfig.Mismatch("CONFIG_WRONG", "y", "m", "meros.config")), mismatches);
    }

    @Test
    void verifyOfAMatchingConfigIsEmpty() {
        var requested = KernelConfig.merge(List.of(f("a", "CONFIG_A=y\n# CONFIG_B is not set\n")));
        assertTrue(KernelConfig.verify(requested, "CONFIG_A=y\n").isEmpty());
    }

    @Test
    void reportSplitsUnknownSymbolsFromUnmetDependencies() {
        Set<String> declared = new HashSet<>();
        KernelConfig.declaredSymbols("""
                config VIRTIO_BLK
                	tristate "Virtio block driver"
                menuconfig VIRTIO_MENU
                	bool "Virtio drivers"
                	  config   INDENTED
                """, declared);
        assertEquals(Set.of("VIRTIO_BLK", "VIRTIO_MENU", "INDENTED"), declared);
        var report = KernelConfig.report(List.of(
                new KernelConfig.Mismatch("CONFIG_VIRTIO_BLK", "y", null, "meros.config"),
                new KernelConfig.Mismatch("CONFIG_NO_SUCH_THING", "y", null, "user.config")), declared);
        assertFalse(report.clean());
        assertEquals(List.of(
                "warning: unknown Kconfig symbols (ignored): CONFIG_NO_SUCH_THING (user.config)",
                "warning: not applied (unmet dependencies or overridden): CONFIG_VIRTIO_BLK=y (got nothing)"),
                report.warnings());
    }

    @Test
    void renderRoundTrips() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("CONFIG_A", "y");
        m.put("CONFIG_B", "n");
        assertEquals("CONFIG_A=y\n# CONFIG_B is not set\n", KernelConfig.render(m));
        assertEquals(m, KernelConfig.parse("r", KernelConfig.render(m)));
    }

    @Test
    void merosFragmentsParseAndCoverTheBootEssentials() {
        var merged = KernelConfig.merge(KernelBuilder.merosFragments(KernelArch.X86_64));
        for (String s : List.of("CONFIG_VIRTIO_PCI", "CONFIG_VIRTIO_BLK", "CONFIG_VIRTIO_NET", "CONFIG_VIRTIO_CONSOLE",
                "CONFIG_EXT4_FS", "CONFIG_DEVTMPFS", "CONFIG_DEVTMPFS_MOUNT", "CONFIG_SERIAL_8250_CONSOLE",
                "CONFIG_9P_FS", "CONFIG_NET_9P_VIRTIO", "CONFIG_HW_RANDOM_VIRTIO", "CONFIG_UNIX", "CONFIG_INET",
                "CONFIG_CGROUPS", "CONFIG_FHANDLE", "CONFIG_ACPI", "CONFIG_64BIT")) {
            assertEquals("y", merged.get(s) == null ? null : merged.get(s).value(), s);
        }
        assertEquals("n", merged.get("CONFIG_MODULES").value());
        assertEquals("\"no_timer_check\"", merged.get("CONFIG_CMDLINE").value(), "TCG on a loaded host: skip the IO-APIC timer check");
        KernelConfig.merge(KernelBuilder.merosFragments(KernelArch.AARCH64));
    }
}
