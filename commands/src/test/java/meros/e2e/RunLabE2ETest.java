package meros.e2e;

import meros.core.base.Home;
import meros.core.Machine;
import meros.core.Meros;
import meros.core.image.ImageBuilder;
import meros.core.image.Progress;
import meros.core.manifest.ManifestLoader;
import meros.core.proc.Proc;
import meros.core.qemu.LiveEvents;
import meros.core.qemu.RunState;
import meros.core.qmp.QmpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code init lab} for real: bridges, taps, nftables and two TCG guests, all inside network namespaces this test
 * creates ({@code meros-t-run-<pid>} and an "outside" namespace behind a veth pair), then QMP, a crash and
 * {@code shutdown}, after which nothing of the constellation may remain.
 */
@Tag("e2e")
class RunLabE2ETest {
    static final Duration BOOT = Duration.ofMinutes(25); // includes building the disks on a fresh checkout
    static final String OUTSIDE_IP = "198.51.100.2";

    String ns;
    String outside;
    final List<Process> listeners = new ArrayList<>();
    Path home;
    @TempDir Path tmp;

    @BeforeEach
    void namespaces() {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-img", "ssh", "python3", "mmdebstrap");
        ns = "meros-t-run-" + ProcessHandle.current().pid();
        outside = ns + "-o";
        run("ip", "netns", "add", ns);
        run("ip", "netns", "add", outside);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        run("ip", "-n", outside, "link", "set", "lo", "up");
        run("ip", "link", "add", "mrt-out", "netns", ns, "type", "veth", "peer", "name", "mrt-in", "netns", outside);
        run("ip", "-n", ns, "addr", "add", "198.51.100.1/24", "dev", "mrt-out");
        run("ip", "-n", ns, "link", "set", "mrt-out", "up");
        run("ip", "-n", outside, "addr", "add", OUTSIDE_IP + "/24", "dev", "mrt-in");
        run("ip", "-n", outside, "link", "set", "mrt-in", "up");
    }

    @AfterEach
    void cleanup() throws Exception {
        for (Process p : listeners) p.destroyForcibly();
        if (home != null) {
            // a failed test may leave VMs: shut them down inside the namespace, then make sure
            meros(home, ns, Duration.ofMinutes(3), "shutdown", "lab", "--timeout", "5");
            killQemuUnder(home.resolve("data/state/lab"));
        }
        for (String n : List.of(ns, outside)) {
            if (n == null) continue;
            for (String pid : Proc.of("ip", "netns", "pids", n).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            Proc.of("ip", "netns", "del", n).timeout(Duration.ofSeconds(30)).call();
        }
    }

    /** A python3 HTTP server on 0.0.0.0:port inside a namespace (stands for a host service). */
    void listen(String namespace, String bind, int port) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("www-" + port + "-" + namespace.length()));
        Files.writeString(dir.resolve("index.html"), "port " + port + "\n");
        Process p = new ProcessBuilder(in(namespace, "python3", "-m", "http.server", Integer.toString(port), "--bind", bind, "--directory", dir.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        listeners.add(p);
        for (int i = 0; i < 100; i++) {
            if (Proc.of(in(namespace, "python3", "-c", "import socket; socket.create_connection(('" + (bind.equals("0.0.0.0") ? "127.0.0.1" : bind) + "', " + port + "), 1)"))
                    .timeout(Duration.ofSeconds(10)).call().ok()) return;
            Thread.sleep(100);
        }
        fail("listener on " + port + " in " + namespace + " did not come up");
    }

    String curlFromClient(Path h, String url) throws Exception {
        Proc.Result r = ssh(h, ns, "lab", "client", "10.0.10.22", 22, "curl -s -m 8 -o /dev/null -w '%{http_code}' " + url);
        return r.exit() == 0 ? r.stdout().strip() : "curl exit " + r.exit();
    }

    @Test
    void hostAccessLabLivesAndDiesCompletely() throws Exception {
        home = checkout();
        listen(ns, "0.0.0.0", 8080);   // allowed by lab's policy
        listen(ns, "0.0.0.0", 9090);   // not allowed
        listen(outside, OUTSIDE_IP, 8080);

        // disks are built outside the namespace: the bootstrap needs the Debian mirror, the namespace has no route
        merosOk(home, null, BOOT, "build", "lab");
        String init = merosOk(home, ns, BOOT, "init", "lab").stdout();
        assertTrue(init.matches("(?s).*web: ready in [0-9.]+ s \\(ssh\\).*"), init);
        assertTrue(init.matches("(?s).*client: ready in [0-9.]+ s \\(ssh\\).*"), init);

        // init again: nothing is started twice
        String again = merosOk(home, ns, Duration.ofMinutes(2), "init", "lab").stdout();
        assertTrue(again.contains("web: already running") && again.contains("client: already running"), again);

        // both answer SSH with the pinned host key, and reach each other
        assertEquals("web", sshOk(home, ns, "lab", "web", "10.0.10.21", 22, "hostname").strip());
        assertEquals("client", sshOk(home, ns, "lab", "client", "10.0.10.22", 22, "hostname").strip());
        sshOk(home, ns, "lab", "web", "10.0.10.21", 22, "mkdir -p /srv/www && echo hello-web > /srv/www/index.html && busybox httpd -p 80 -h /srv/www");
        assertEquals("hello-web", sshOk(home, ns, "lab", "client", "10.0.10.22", 22, "curl -s -m 10 http://10.0.10.21/").strip());

        // host-access: the allowed host port answers, another one does not, the outside is reached through NAT
        assertEquals("200", curlFromClient(home, "http://10.0.10.1:8080/"));
        assertNotEquals("200", curlFromClient(home, "http://10.0.10.1:9090/"));
        assertEquals("200", curlFromClient(home, "http://" + OUTSIDE_IP + ":8080/"));
        assertTrue(ok("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "meros_lab"));

        // QMP: the CLI and the Java API
        assertTrue(merosOk(home, null, Duration.ofMinutes(1), "qmp", "lab", "web", "query-status").stdout().contains("\"status\" : \"running\""));
        Meros meros = new Meros(new Home(home));
        Machine web = meros.constellation("lab").vm("web");
        web.pause();
        assertEquals("STOP", web.waitForEvent("STOP", Duration.ofSeconds(30)).name());
        assertEquals(RunState.PAUSED, web.status());
        web.resume();
        assertEquals("RESUME", web.waitForEvent("RESUME", Duration.ofSeconds(30)).name());
        assertEquals("running", web.qmp("query-status").path("status").asText());
        assertTrue(web.qmpCommands().contains("query-status"));

        // kill -9 the client's QEMU: the event connection notices, info reports it crashed
        Machine client = meros.constellation("lab").vm("client");
        List<String> crashes = new CopyOnWriteArrayList<>();
        Consumer<String> listener = crashes::add;
        LiveEvents.addCrashListener(listener);
        try {
            QmpClient clientEvents = client.plumbing().eventClient();
            long pid = Long.parseLong(Files.readString(home.resolve("data/state/lab/client/qemu.pid")).strip());
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            for (int i = 0; i < 100 && crashes.isEmpty(); i++) Thread.sleep(100);
            assertFalse(clientEvents.isConnected());
            assertEquals(List.of("vm lab/client: QEMU went away (crashed: QEMU process " + pid + " is gone without a shutdown)"), crashes);
        } finally {
            LiveEvents.removeCrashListener(listener);
        }
        assertEquals(RunState.CRASHED, client.status());
        String info = merosOk(home, ns, Duration.ofMinutes(1), "info", "lab").stdout();
        assertTrue(info.matches("(?s).*\\nweb +running +\\d+ +x86_64 +(?:tcg|kvm) .*"), info);
        assertTrue(info.matches("(?s).*\\nclient +crashed .*"), info);
        assertTrue(info.matches("(?s).*labnet +10.0.10.0/24 +host-access +22,80,8080 +- +up 10.0.10.1, nft inet meros_lab.*"), info);

        // shutdown removes everything and says so; a second one has nothing left to do
        String down = merosOk(home, ns, Duration.ofMinutes(3), "shutdown", "lab").stdout();
        assertTrue(down.matches("(?s).*vm web: powered off \\((ACPI|guest agent)[^)]*\\) in [0-9.]+ s.*"), down);
        assertTrue(down.contains("vm client: was not running (crashed), removed its state"), down);
        assertTrue(down.contains("tap tap-lab-web0"), down);
        assertTrue(down.contains("tap tap-lab-cli0"), down);
        assertTrue(down.contains("bridge labnet"), down);
        assertTrue(down.contains("nftables table inet meros_lab"), down);
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/lab")));
        for (String dev : List.of("labnet", "tap-lab-web0", "tap-lab-cli0")) {
            assertFalse(ok("ip", "-n", ns, "link", "show", "dev", dev), dev + " still exists");
        }
        assertFalse(ok("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "meros_lab"));
        assertEquals("nothing to do: lab is not running", merosOk(home, ns, Duration.ofMinutes(1), "shutdown", "lab").stdout().strip());
    }

    @Test
    void isolatedPolicyKeepsTheVmsToThemselves() throws Exception {
        home = variantHome("""
                bridges:
                  labnet:
                    subnet: 10.0.10.0/24
                    policy_type: isolated
                    allowed_ports: [8080]
                """, "");
        listen(ns, "0.0.0.0", 8080);
        listen(ns, "0.0.0.0", 9090);
        listen(outside, OUTSIDE_IP, 8080);
        merosOk(home, ns, BOOT, "init", "lab");
        sshOk(home, ns, "lab", "web", "10.0.10.21", 22, "mkdir -p /srv/www && echo hello-web > /srv/www/index.html && busybox httpd -p 80 -h /srv/www");
        assertEquals("hello-web", sshOk(home, ns, "lab", "client", "10.0.10.22", 22, "curl -s -m 10 http://10.0.10.21/").strip());
        assertEquals("200", curlFromClient(home, "http://10.0.10.1:8080/"));
        assertNotEquals("200", curlFromClient(home, "http://10.0.10.1:9090/"));
        assertNotEquals("200", curlFromClient(home, "http://" + OUTSIDE_IP + ":8080/"), "isolated must not forward to the outside");
        merosOk(home, ns, Duration.ofMinutes(3), "shutdown", "lab");
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/lab")));
        assertFalse(ok("ip", "-n", ns, "link", "show", "dev", "labnet"));
    }

    @Test
    void userModeLabJoinsTheVmsWithoutBridges() throws Exception {
        home = variantHome("", "    network: user\n");
        String init = merosOk(home, ns, BOOT, "init", "lab").stdout();
        assertTrue(init.matches("(?s).*web: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\).*"), init);
        int webPort = sshPort(home, "web");
        int clientPort = sshPort(home, "client");
        sshOk(home, ns, "lab", "web", "127.0.0.1", webPort, "mkdir -p /srv/www && echo hello-web > /srv/www/index.html && busybox httpd -p 80 -h /srv/www");
        assertEquals("hello-web", sshOk(home, ns, "lab", "client", "127.0.0.1", clientPort, "curl -s -m 10 http://10.0.10.21/").strip());
        assertFalse(ok("ip", "-n", ns, "link", "show", "dev", "labnet"), "user mode makes no bridge");
        merosOk(home, ns, Duration.ofMinutes(3), "shutdown", "lab");
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/lab")));
    }

    static int sshPort(Path h, String vm) throws Exception {
        String json = Files.readString(h.resolve("data/state/lab").resolve(vm).resolve("vm.json"));
        return Integer.parseInt(json.replaceAll("(?s).*\"sshPort\" : (\\d+).*", "$1"));
    }

    /**
     * A home whose lab differs from the shipped one only in the given bridge section / per-VM lines; it shares the
     * checkout's built disks and keys (the VMs are the same), but has its own state.
     */
    Path variantHome(String bridges, String vmExtra) throws Exception {
        Path real = checkout();
        Path h = tmp.resolve("home");
        Files.createDirectories(h.resolve("constellations/lab"));
        Files.createDirectories(h.resolve("data"));
        // the disks must exist first: build them through the real checkout if needed
        if (!Files.exists(real.resolve("data/disks/lab/web.qcow2")) || !Files.exists(real.resolve("data/disks/lab/client.qcow2"))) {
            new ImageBuilder(new Home(real)).build(ManifestLoader.load(real.resolve("constellations/lab")), List.of(), Progress.NONE);
        }
        Files.createSymbolicLink(h.resolve("data/disks"), real.resolve("data/disks"));
        Files.createSymbolicLink(h.resolve("data/keys"), real.resolve("data/keys"));
        String shipped = Files.readString(real.resolve("constellations/lab/lab.yml"));
        String vms = shipped.substring(shipped.indexOf("virtual_machines:"));
        if (!vmExtra.isEmpty()) vms = vms.replace("    distribution: debian\n", "    distribution: debian\n" + vmExtra);
        String head = bridges.isEmpty() ? shipped.substring(0, shipped.indexOf("virtual_machines:")) : bridges + "\n";
        Files.writeString(h.resolve("constellations/lab/lab.yml"), head + vms);
        return h;
    }
}
