package meros.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.host.Kvm;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static meros.testkit.E2eSupport.shareBaseCache;
import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code init --accel kvm} on a host whose KVM is unusable (the probe's verdict seeded, whatever this host's KVM does)
 * is refused before anything is made on the host: no bridge, tap or nftables table is left in the namespace.
 */
@Tag("e2e")
class AccelRefusedE2ETest {
    static final String NS = "meros-t16-accel";
    static final String C = "t16acc";
    static final Duration BUILD = Duration.ofMinutes(20);
    static final Duration INIT = Duration.ofMinutes(3);
    Path home;

    @AfterEach
    void cleanup() {
        if (home != null) {
            meros(home, NS, INIT, "shutdown", C, "--timeout", "5");
            killQemuUnder(home.resolve("data/state/" + C));
        }
        Proc.of("ip", "netns", "del", NS).timeout(Duration.ofSeconds(30)).call();
        if (home != null) Proc.of("rm", "-rf", home.toString()).timeout(Duration.ofMinutes(2)).call();
    }

    @Test
    void kvmAskedForWhereItIsUnusableLeavesNoBridgeTapOrTable() throws Exception {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-img", "mmdebstrap");
        home = shareBaseCache(Files.createTempDirectory("meros-e2e-t16-accel"));
        Path c = Files.createDirectories(home.resolve("constellations").resolve(C));
        Files.writeString(c.resolve(C + ".yml"), """
                bridges:
                  t16accbr: {subnet: 10.16.7.0/24, policy_type: isolated}
                virtual_machines:
                  box:
                    memory: 512
                    networks:
                      - {label: t16-acc-box0, bridge: t16accbr, ip_addr: 10.16.7.21}
                """);
        merosOk(home, null, BUILD, "build", C);
        Files.writeString(home.resolve("data/cache/kvm-probe.json"), new ObjectMapper().writeValueAsString(
                Map.of("key", Kvm.cacheKey(), "state", "UNUSABLE", "detail", "seeded by the test", "method", "seeded")));
        run("ip", "netns", "add", NS);
        run("ip", "-n", NS, "link", "set", "lo", "up");

        Proc.Result r = meros(home, NS, INIT, "init", C, "--accel", "kvm");
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("vm 'box' asks for accel kvm (--accel), but KVM is"), r.stderr());
        List<String> links = Proc.of("ip", "-n", NS, "-br", "link").timeout(Duration.ofSeconds(10)).call().stdout().lines()
                .map(l -> l.split("\\s+")[0]).toList();
        assertEquals(List.of("lo"), links, "links left in " + NS);
        assertEquals("", Proc.of("ip", "netns", "exec", NS, "nft", "list", "tables").timeout(Duration.ofSeconds(10)).call().stdout().strip());
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/" + C)));
    }
}
