package meros.core.host;

import meros.core.Home;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvmProbeTest {
    @TempDir Path tmp;

    @Test
    void bootSectorIsBootableAndCarriesTheMarker() {
        byte[] s = Kvm.bootSector();
        assertEquals(512, s.length);
        assertEquals(0x55, s[510] & 0xff);
        assertEquals(0xAA, s[511] & 0xff);
        assertTrue(new String(s, java.nio.charset.StandardCharsets.US_ASCII).contains(Kvm.MARKER));
        int msgAddr = (s[10] & 0xff) | (s[11] & 0xff) << 8;
        assertEquals(Kvm.MARKER.charAt(0), (char) s[msgAddr - 0x7c00], "mov si points at the message");
    }

    /** The probe guest really runs under TCG: the control run that makes a KVM verdict meaningful. */
    @Test
    @Tag("e2e")
    void probeGuestRunsUnderTcg() throws Exception {
        Path img = tmp.resolve("probe.img");
        Files.write(img, Kvm.bootSector());
        assertNull(Kvm.boot(img, "tcg", Kvm.TCG_TIMEOUT), "the probe guest prints its marker and exits under TCG");
    }

    /** Under KVM the probe asks for the CPU model real VMs get under KVM; under TCG it cannot. */
    @Test
    void probeUsesTheHostCpuModelUnderKvmOnly() {
        Path img = Path.of("probe.img");
        java.util.List<String> kvm = Kvm.argv(img, "kvm");
        assertEquals("host", kvm.get(kvm.indexOf("-cpu") + 1));
        assertEquals(-1, Kvm.argv(img, "tcg").indexOf("-cpu"));
    }

    /** A full probe gives a definite verdict and caches it keyed by kernel and QEMU version. */
    @Test
    @Tag("e2e")
    void probeGivesAVerdictAndCachesIt() {
        Kvm.Verdict v = Kvm.probe(new Home(tmp));
        assertNotEquals(Kvm.State.UNKNOWN, v.state(), v.toString());
        if (Files.exists(Path.of("/dev/kvm"))) {
            assertTrue(Files.isRegularFile(tmp.resolve("data/cache/kvm-probe.json")), "verdict cached");
        }
    }
}
