package meros.core.net;

import meros.core.base.ExitCode;
import meros.core.manifest.Mac;
import meros.core.proc.Proc;
import meros.e2e.CliMain;
import meros.testkit.E2eSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * init never adopts a bridge, tap or nftables table it did not create for the constellation, and shutdown removes
 * only what net.json records: real ip and nft in a network namespace of the test's own (root).
 */
@Tag("e2e")
class HostNetOwnershipE2ETest {
    static final String NS = "meros-t11-own";
    static final Duration T = Duration.ofSeconds(60);

    @TempDir Path home;

    static final String LAB = """
            bridges:
              labnet: {subnet: 10.0.10.0/24}
            virtual_machines:
              web: {networks: [{label: tap-lab-web0, bridge: labnet, ip_addr: 10.0.10.21}]}
              client: {networks: [{label: tap-lab-cli0, bridge: labnet, ip_addr: 10.0.10.22}]}
            """;

    @BeforeEach
    void namespace() {
        Proc.of("ip", "netns", "del", NS).timeout(T).call();
        Proc.of("ip", "netns", "add", NS).timeout(T).run();
    }

    @AfterEach
    void cleanup() {
        Proc.of("ip", "netns", "del", NS).timeout(T).call(); // its links and nft tables go with it
    }

    private void constellation(Path root, String name, String yaml) throws IOException {
        Path d = Files.createDirectories(root.resolve("constellations").resolve(name));
        Files.writeString(d.resolve(name + ".yml"), yaml);
    }

    private Proc.Result net(Path root, String c, String action) {
        List<String> a = new ArrayList<>(List.of("ip", "netns", "exec", NS,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NetMain.class.getName(), root.toString(), c, action));
        return Proc.of(a).timeout(T).call();
    }

    private String inNs(String... argv) {
        List<String> a = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        a.addAll(List.of(argv));
        Proc.Result r = Proc.of(a).timeout(T).call();
        return r.ok() ? r.stdout() : "";
    }

    private boolean link(String dev) {
        return !inNs("ip", "-o", "link", "show", "dev", dev).isEmpty();
    }

    /** init refuses a bridge another constellation owns before it builds anything: no disk, no build directory, no state. */
    @Test
    void initRefusesAForeignBridgeBeforeBuilding() throws Exception {
        constellation(home, "lab", LAB);
        constellation(home, "copy", LAB.replace("10.0.10.", "10.0.11.").replace("tap-lab-", "tap-cpy-"));
        assertEquals(0, net(home, "lab", "up").exit());
        Proc.Result init = E2eSupport.run(home, NS, T, CliMain.class, l -> System.out.println("  meros init| " + l), "init", "copy");
        assertEquals(ExitCode.USAGE.code, init.exit(), init.stdout() + init.stderr());
        assertEquals("error: bridge labnet belongs to constellation lab; constellation copy cannot use it "
                + "(give it another name in the manifest, or shut lab down)\n", init.stderr());
        assertFalse(init.stdout().contains("building"), init.stdout());
        for (String d : List.of("data/disks/copy", "data/build/copy", "data/state/copy")) {
            assertFalse(Files.exists(home.resolve(d)), d + " was made");
        }
        net(home, "lab", "down");
    }

    @Test
    void aCopyOfLabKeepsItsHandsOffLabsBridgeAndTaps() throws Exception {
        constellation(home, "lab", LAB);
        constellation(home, "copy", LAB.replace("10.0.10.", "10.0.11."));
        Proc.Result lab = net(home, "lab", "up");
        assertEquals(0, lab.exit(), lab.stderr());
        assertTrue(link("labnet") && link("tap-lab-web0") && link("tap-lab-cli0"));

        Proc.Result copy = net(home, "copy", "up");
        assertEquals(ExitCode.USAGE.code, copy.exit(), copy.stdout());
        assertEquals("error: bridge labnet belongs to constellation lab; constellation copy cannot use it "
                + "(give it another name in the manifest, or shut lab down)\n", copy.stderr());
        assertFalse(inNs("ip", "-o", "addr", "show", "dev", "labnet").contains("10.0.11.1"), "labnet got no second address");
        Path copyNet = home.resolve("data/state/copy/net.json");
        assertFalse(Files.exists(copyNet) && Files.readString(copyNet).contains("labnet"), "nothing of lab recorded as copy's");

        Proc.Result down = net(home, "copy", "down");
        assertEquals(0, down.exit(), down.stderr());
        assertTrue(link("labnet") && link("tap-lab-web0") && link("tap-lab-cli0"), "shutdown of the copy left lab's interfaces alone");
        assertTrue(inNs("ip", "-o", "link", "show", "dev", "tap-lab-web0").contains("master labnet"));
        assertTrue(inNs("ip", "-o", "addr", "show", "dev", "labnet").contains("10.0.10.1/24"));
        assertFalse(inNs("nft", "list", "table", "inet", "meros_lab").isEmpty(), "lab's firewall stays");
    }

    @Test
    void aTapNameAnotherConstellationOwnsIsRefusedAndOnlyOwnThingsAreRemoved() throws Exception {
        constellation(home, "lab", LAB);
        constellation(home, "other", """
                bridges:
                  othnet: {subnet: 10.0.12.0/24}
                virtual_machines:
                  box: {networks: [{label: tap-lab-web0, bridge: othnet, ip_addr: 10.0.12.5}]}
                """);
        assertEquals(0, net(home, "lab", "up").exit());
        Proc.Result other = net(home, "other", "up");
        assertEquals(ExitCode.USAGE.code, other.exit());
        assertEquals("error: tap tap-lab-web0 belongs to constellation lab; constellation other cannot use it "
                + "(give it another name in the manifest, or shut lab down)\n", other.stderr());
        assertTrue(inNs("ip", "-o", "link", "show", "dev", "tap-lab-web0").contains("master labnet"), "the tap stays on lab's bridge");
        Proc.Result down = net(home, "other", "down");
        assertEquals("bridge othnet\nnftables table inet meros_other\n", down.stdout());
        assertTrue(link("tap-lab-web0") && link("labnet"));
    }

    @Test
    void checkingEverythingFirstRefusesATapClashBeforeAnyBridgeIsMade() throws Exception {
        constellation(home, "lab", LAB);
        constellation(home, "other", """
                bridges:
                  othnet: {subnet: 10.0.12.0/24}
                virtual_machines:
                  box: {networks: [{label: tap-lab-cli0, bridge: othnet, ip_addr: 10.0.12.5}]}
                """);
        assertEquals(0, net(home, "lab", "up").exit());
        Proc.Result other = net(home, "other", "check-up");
        assertEquals("error: tap tap-lab-cli0 belongs to constellation lab; constellation other cannot use it "
                + "(give it another name in the manifest, or shut lab down)\n", other.stderr());
        assertFalse(link("othnet"), "nothing was made");
        assertFalse(Files.exists(home.resolve("data/state/other/net.json")), "nothing was recorded");
    }

    @Test
    void interfacesMerosDidNotMakeAreRefused() throws Exception {
        inNs("ip", "link", "add", "t11host", "type", "bridge");
        inNs("ip", "link", "add", "t11veth", "type", "veth", "peer", "name", "t11vethp");
        assertTrue(link("t11host") && link("t11veth"), "the host's own interfaces exist");
        constellation(home, "hb", """
                bridges:
                  t11host: {subnet: 10.0.13.0/24}
                virtual_machines:
                  box: {networks: [{label: tap-hb0, bridge: t11host, ip_addr: 10.0.13.5}]}
                """);
        constellation(home, "ht", """
                bridges:
                  htnet: {subnet: 10.0.14.0/24}
                virtual_machines:
                  box: {networks: [{label: t11veth, bridge: htnet, ip_addr: 10.0.14.5}]}
                """);
        Proc.Result hb = net(home, "hb", "up");
        assertEquals(ExitCode.USAGE.code, hb.exit());
        assertEquals("error: bridge t11host exists on the host and was not created by meros for constellation hb (another program, "
                + "or a constellation of another checkout, made it); give it another name in the manifest or remove it\n", hb.stderr());
        assertFalse(inNs("ip", "-o", "addr", "show", "dev", "t11host").contains("10.0.13.1"));
        Proc.Result ht = net(home, "ht", "up");
        assertEquals("error: tap t11veth exists on the host and was not created by meros for constellation ht (another program, "
                + "or a constellation of another checkout, made it); give it another name in the manifest or remove it\n", ht.stderr());
        assertFalse(inNs("ip", "-o", "link", "show", "dev", "t11veth").contains("master"), "the host's interface was not enslaved");
        net(home, "hb", "down");
        net(home, "ht", "down");
        assertTrue(link("t11host") && link("t11veth"), "shutdown removed neither");
    }

    @Test
    void aTableOfTheSameConstellationInAnotherCheckoutIsRefused(@TempDir Path otherCheckout) throws Exception {
        constellation(home, "lab", LAB);
        constellation(otherCheckout, "lab", LAB.replace("labnet", "labnet2").replace("10.0.10.", "10.0.15.")
                .replace("tap-lab-", "tap-lb2-"));
        assertEquals(0, net(home, "lab", "up").exit());
        Proc.Result second = net(otherCheckout, "lab", "up");
        assertEquals(ExitCode.USAGE.code, second.exit());
        assertEquals("error: nftables table inet meros_lab exists but constellation lab of this checkout did not create it "
                + "(a constellation of the same name in another checkout, or another program); shut that one down or rename this constellation\n",
                second.stderr());
        assertFalse(link("labnet2"), "refused before creating anything");
        net(otherCheckout, "lab", "down");
        assertFalse(inNs("nft", "list", "table", "inet", "meros_lab").isEmpty(), "the first checkout's table stays");
    }

    @Test
    void initAgainOfTheSameConstellationReusesWhatItMade() throws Exception {
        constellation(home, "lab", LAB);
        assertEquals(0, net(home, "lab", "up").exit());
        // the bridge's address is fixed (a resumed guest's ARP cache names it), whatever its taps' addresses are
        assertEquals(Mac.bridge("lab", "labnet"), address("labnet"));
        Proc.Result again = net(home, "lab", "up");
        assertEquals(0, again.exit(), again.stderr());
        Proc.Result down = net(home, "lab", "down");
        assertTrue(down.stdout().startsWith("tap tap-lab-web0\ntap tap-lab-cli0\nbridge labnet\nnftables table inet meros_lab\n"), down.stdout());
        assertFalse(link("labnet"));
        assertEquals(0, net(home, "lab", "up").exit());
        assertEquals(Mac.bridge("lab", "labnet"), address("labnet"), "made again, the same address");
        assertEquals(0, net(home, "lab", "down").exit());
    }

    private String address(String dev) {
        return inNs("cat", "/sys/class/net/" + dev + "/address").strip();
    }
}
