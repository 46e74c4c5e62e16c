package meros.shell;

import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static meros.shell.AccessE2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole-constellation snapshots and {@code reset()} on {@code lab} (two bridged VMs) inside a network namespace this
 * test creates, in a scratch home sharing the checkout's lab disks and keys: a script whose subtests reset first and
 * each leave a file behind, a snapshot and restore through the Java API, then the same through the
 * {@code snapshot} command. One cold boot of lab; everything after it resumes saved state.
 */
@Tag("e2e")
class SavedStateLabE2ETest {
    static final Duration RUN = Duration.ofMinutes(40);
    @TempDir Path tmp;
    String ns;
    Path home;

    @AfterEach
    void cleanup() {
        if (ns == null) return;
        try {
            meros(home, ns, Duration.ofMinutes(3), "shutdown", "lab", "--timeout", "3");
            killQemuUnder(home.resolve("data/state/lab"));
        } finally {
            for (String pid : Proc.of("ip", "netns", "pids", ns).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            Proc.of("ip", "netns", "del", ns).timeout(Duration.ofSeconds(30)).call();
        }
    }

    @Test
    void resetBetweenSubtestsAndConstellationSnapshots() throws Exception {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-img", "mmdebstrap");
        Path checkout = checkout();
        if (!Files.exists(checkout.resolve("data/disks/lab/web.qcow2")) || !Files.exists(checkout.resolve("data/disks/lab/client.qcow2"))) {
            merosOk(checkout, null, RUN, "build", "lab"); // outside the namespace: the bootstrap needs the mirror
        }
        home = tmp.resolve("home");
        Files.createDirectories(home.resolve("constellations/lab"));
        Files.createDirectories(home.resolve("data"));
        Files.createSymbolicLink(home.resolve("data/disks"), checkout.resolve("data/disks"));
        Files.createSymbolicLink(home.resolve("data/keys"), checkout.resolve("data/keys"));
        // TCG on a busy 2-core host: a generous boot timeout for the one cold boot
        Files.writeString(home.resolve("constellations/lab/lab.yml"), Files.readString(checkout.resolve("constellations/lab/lab.yml"))
                .replace("    memory: 512\n", "    memory: 512\n    boot_timeout: 900\n"));
        ns = "meros-t15-" + ProcessHandle.current().pid();
        Proc.of("ip", "netns", "add", ns).timeout(Duration.ofSeconds(30)).run();
        Proc.of("ip", "-n", ns, "link", "set", "lo", "up").timeout(Duration.ofSeconds(30)).run();

        Path script = tmp.resolve("saved-state.jsh");
        Files.writeString(script, """
                var lab = meros.constellation("lab");
                lab.init();
                var web = lab.vm("web");
                var client = lab.vm("client");
                meros.subtest("first leaves a file", lab, () -> {
                    web.succeed("test ! -e /root/left-by-first && test ! -e /root/left-by-second");
                    web.succeed("touch /root/left-by-first");
                });
                meros.subtest("second leaves a file", lab, () -> {
                    web.succeed("test ! -e /root/left-by-first && test ! -e /root/left-by-second");
                    web.succeed("touch /root/left-by-second");
                });
                meros.subtest("snapshot and restore", () -> {
                    web.succeed("echo one > /root/state");
                    client.succeed("echo one > /root/state");
                    lab.snapshot("t15");
                    if (!lab.snapshots().contains("t15")) throw new IllegalStateException("snapshots: " + lab.snapshots());
                    web.succeed("echo two > /root/state");
                    client.succeed("echo two > /root/state");
                    lab.restore("t15");
                    for (var vm : lab.vms()) {
                        var s = vm.succeed("cat /root/state").strip();
                        if (!s.equals("one")) throw new IllegalStateException(vm + " has '" + s + "' after restore");
                        double before = System.currentTimeMillis() / 1000.0;
                        double guest = Double.parseDouble(vm.succeed("date +%s.%N").strip());
                        double after = System.currentTimeMillis() / 1000.0;
                        if (guest < before - 2 || guest > after + 2) {
                            throw new IllegalStateException(vm + " clock " + guest + " outside the host's [" + before + ", " + after + "] +- 2 s after restore");
                        }
                    }
                    web.succeed("busybox ping -c 1 -W 5 10.0.10.22");
                    lab.deleteSnapshot("t15");
                    if (lab.snapshots().contains("t15")) throw new IllegalStateException("t15 still listed");
                });
                """);
        Path xml = tmp.resolve("saved-state.xml");
        Proc.Result r = meros(home, ns, RUN, "script", "--junit", xml.toString(), script.toString());
        List<String> cases = cases(xml);
        assertEquals(0, r.exit(), cases + "\n" + r.stdout() + r.stderr());
        assertEquals(List.of("first leaves a file: ok", "second leaves a file: ok", "snapshot and restore: ok"), cases);
        assertTrue(r.stdout().matches("(?s).*web: saved its boot [0-9a-f]{12} .*"), r.stdout());
        assertTrue(r.stdout().matches("(?s).*client: saved its boot [0-9a-f]{12} .*"), r.stdout());

        // the same through the command: save, list, load, delete for both VMs at once
        merosOk(home, ns, RUN, "snapshot", "save", "lab", "t15cli");
        assertEquals("t15cli", merosOk(home, ns, RUN, "snapshot", "list", "lab").stdout().strip());
        assertTrue(merosOk(home, ns, RUN, "snapshot", "list", "lab", "web").stdout().contains("t15cli"));
        String loaded = merosOk(home, ns, RUN, "snapshot", "load", "lab", "t15cli").stdout();
        assertTrue(loaded.contains("web: loaded t15cli") && loaded.contains("client: loaded t15cli"), loaded);
        var missing = meros(home, ns, RUN, "snapshot", "load", "lab", "nosuch");
        assertEquals(1, missing.exit());
        assertTrue(missing.stderr().strip().matches("error: vm lab/(web|client) has no snapshot 'nosuch' \\(have: t15cli\\)"), missing.stderr());
        var ambiguous = meros(home, ns, RUN, "snapshot", "save", "lab", "web");
        assertEquals(2, ambiguous.exit());
        merosOk(home, ns, RUN, "snapshot", "delete", "lab", "t15cli");
        assertEquals("", merosOk(home, ns, RUN, "snapshot", "list", "lab").stdout().strip());
        assertTrue(merosOk(home, ns, RUN, "info", "lab").stdout().matches("(?s).*\\nweb +running .* resumed\\n.*"));
    }

    private static List<String> cases(Path xml) throws Exception {
        List<String> cases = new ArrayList<>();
        if (!Files.exists(xml)) return cases;
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        var list = doc.getElementsByTagName("testcase");
        for (int i = 0; i < list.getLength(); i++) {
            Element c = (Element) list.item(i);
            var f = c.getElementsByTagName("failure");
            cases.add(c.getAttribute("name") + ": " + (f.getLength() == 0 ? "ok" : "FAILED " + ((Element) f.item(0)).getAttribute("message")));
        }
        return cases;
    }
}
