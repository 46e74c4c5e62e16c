package meros.shell;

import meros.core.proc.Proc;
import meros.testkit.E2eSupport;
import meros.testkit.Warmup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static meros.shell.AccessE2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * aarch64 guests for real, under TCG: the shipped {@code cross} constellation (an x86_64 and an aarch64 VM on one
 * bridge) inside a network namespace this test creates, driven by the CLI and by {@code scripts/cross-smoke.jsh};
 * then the aarch64 kernel from {@code kernel-build --arch aarch64} booting the same aarch64 disk without an initrd.
 * One build of each is shared: the disks are built once into the checkout ({@code data/disks/cross/}, the arm64
 * base cached in {@code data/cache/}), the kernel build is the checkout's incremental one, and the second test boots
 * the first test's disk (a symlink) in a throw-away home. Each VM kind boots once.
 */
@Tag("e2e")
class CrossE2ETest {
    static final Duration BUILD = Duration.ofMinutes(90); // a cold arm64 bootstrap runs every maintainer script emulated
    static final Duration RUN = Duration.ofMinutes(30);
    static final Duration SHORT = Duration.ofMinutes(2);

    static Path checkout;
    static Proc.Result kernelBuild;
    String ns;
    Path scratch;
    @TempDir Path tmp;

    /**
     * Builds the disks and the aarch64 kernel at the same time: an emulated bootstrap keeps about half a core busy
     * (measured: 6.5 min of CPU in 12.3 min), so the cross compiler takes the rest instead of waiting its turn.
     * The kernel build is the checkout's incremental one: cold once, then (nothing changed) a few seconds.
     */
    @BeforeAll
    static void buildOnce() throws Exception {
        requireTools("ip", "nft", "qemu-system-x86_64", "qemu-system-aarch64", "qemu-aarch64-static", "qemu-img", "mmdebstrap",
                "arch-test", "aarch64-linux-gnu-gcc", "make");
        checkout = checkout();
        Warmup.await(Warmup.KERNEL_AARCH64, Warmup.CROSS); // scripts/test builds them in the background
        CompletableFuture<Proc.Result> kernel = CompletableFuture.supplyAsync(
                () -> meros(checkout, null, BUILD, "kernel-build", "--arch", "aarch64"));
        try {
            // outside any namespace: the bootstrap needs the Debian mirror
            if (!Files.exists(checkout.resolve("data/disks/cross/board.qcow2")) || !Files.exists(checkout.resolve("data/disks/cross/pc.qcow2"))) {
                merosOk(checkout, null, BUILD, "build", "cross");
            }
        } finally {
            kernelBuild = kernel.get(BUILD.toMinutes(), TimeUnit.MINUTES);
        }
    }

    @AfterEach
    void cleanup() {
        if (ns != null) {
            try {
                meros(checkout, ns, Duration.ofMinutes(3), "shutdown", "cross", "--timeout", "5");
                killQemuUnder(checkout.resolve("data/state/cross"));
            } finally {
                for (String pid : Proc.of("ip", "netns", "pids", ns).timeout(Duration.ofSeconds(10)).call().stdout().split("\\s+")) {
                    if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
                Proc.of("ip", "netns", "del", ns).timeout(Duration.ofSeconds(30)).call();
            }
        }
        if (scratch != null) {
            meros(scratch, null, Duration.ofMinutes(3), "shutdown", "arm", "--timeout", "5");
            killQemuUnder(scratch.resolve("data/state/arm"));
        }
    }

    @Test
    void crossConstellationsVmsReachEachOtherAndTheCliAndScenarioApiWorkOnAarch64() throws Exception {
        ns = "meros-t-t16-cross-" + ProcessHandle.current().pid();
        Proc.of("ip", "netns", "add", ns).timeout(Duration.ofSeconds(30)).run();
        Proc.of("ip", "-n", ns, "link", "set", "lo", "up").timeout(Duration.ofSeconds(30)).run();

        String init = merosOk(checkout, ns, RUN, "init", "--cold", "cross").stdout();
        assertTrue(init.matches("(?s).*board: started \\(pid \\d+, tcg\\b.*board: ready in [0-9.]+ s \\(ssh\\).*"), init);
        assertTrue(init.matches("(?s).*pc: ready in [0-9.]+ s \\(ssh\\).*"), init);
        String qemu = String.join(" ", qemuUnder(checkout.resolve("data/state/cross/board")));
        assertTrue(qemu.startsWith("qemu-system-aarch64 ") && qemu.contains(" -machine virt ") && qemu.contains(" -accel tcg ")
                && qemu.contains("console=ttyAMA0") && qemu.contains(" -initrd "), qemu);

        // the CLI on the aarch64 VM
        assertEquals("aarch64", merosOk(checkout, ns, SHORT, "run", "cross", "board", "uname", "-m").stdout().strip());
        assertEquals("x86_64", merosOk(checkout, ns, SHORT, "run", "cross", "pc", "uname", "-m").stdout().strip());
        String info = merosOk(checkout, ns, SHORT, "info", "cross").stdout();
        assertTrue(info.matches("(?s).*\\nboard +running +\\d+ +aarch64 +tcg .*"), info);
        assertTrue(merosOk(checkout, ns, SHORT, "qmp", "cross", "board", "query-target").stdout().contains("\"arch\" : \"aarch64\""));
        Path file = Files.writeString(tmp.resolve("hello.txt"), "hello aarch64\n");
        merosOk(checkout, ns, SHORT, "push", "cross", "board", file.toString(), "hello.txt");
        Path back = Files.createDirectories(tmp.resolve("back"));
        merosOk(checkout, ns, SHORT, "pull", "cross", "board", "hello.txt", back.toString());
        assertEquals("hello aarch64\n", Files.readString(back.resolve("hello.txt")));
        merosOk(checkout, ns, SHORT, "snapshot", "save", "cross", "board", "t16");
        assertTrue(merosOk(checkout, ns, SHORT, "snapshot", "list", "cross", "board").stdout().contains("t16"));
        merosOk(checkout, ns, SHORT, "snapshot", "load", "cross", "board", "t16");
        assertEquals("hello aarch64", merosOk(checkout, ns, SHORT, "run", "cross", "board", "cat", "hello.txt").stdout().strip());
        merosOk(checkout, ns, SHORT, "snapshot", "delete", "cross", "board", "t16");

        // the scenario script re-attaches to the running VMs, pings across the bridge and shuts the constellation down
        assertEquals(List.of(
                "both VMs boot, each on its own architecture: ok",
                "they reach each other over the bridge: ok",
                "files go both ways on the aarch64 VM: ok",
                "QMP on the aarch64 VM: ok"), script(ns, "cross-smoke.jsh"));
        assertEquals(List.of(), qemuUnder(checkout.resolve("data/state/cross")));
        assertFalse(ok("ip", "-n", ns, "link", "show", "dev", "crossnet"));
    }

    @Test
    void theCrossBuiltKernelBootsTheAarch64DiskWithoutInitrd() throws Exception {
        assertEquals(0, kernelBuild.exit(), "kernel-build --arch aarch64: " + kernelBuild.stderr());
        Path image = checkout.resolve("data/disks/Image");
        assertTrue(Files.isRegularFile(image), "kernel-build --arch aarch64 installs " + image);
        // a throw-away home whose VM 'board' boots the cross constellation's aarch64 disk with the built kernel
        scratch = tmp.resolve("home");
        Path dir = Files.createDirectories(scratch.resolve("constellations/arm"));
        Files.writeString(dir.resolve("arm.yml"), """
                virtual_machines:
                  board:
                    arch: aarch64
                    network: user
                    memory: 1024
                    cpus: 2
                    kernel: %s
                """.formatted(image));
        Path disks = Files.createDirectories(scratch.resolve("data/disks/arm"));
        Files.createSymbolicLink(disks.resolve("board.qcow2"), checkout.resolve("data/disks/cross/board.qcow2"));
        Path keys = Files.createDirectories(scratch.resolve("data/keys/arm/board"));
        for (String k : List.of("id_ed25519", "id_ed25519.pub", "ssh_host_ed25519_key.pub")) {
            Files.copy(checkout.resolve("data/keys/cross/board").resolve(k), keys.resolve(k));
        }
        assertEquals("arm: OK (1 VM, 0 bridges)", merosOk(scratch, null, SHORT, "validate", "arm").stdout().strip());

        String init = merosOk(scratch, null, RUN, "init", "--cold", "arm").stdout();
        assertTrue(init.matches("(?s).*board: started \\(pid \\d+, tcg, ssh 127.0.0.1:\\d+\\).*board: ready in [0-9.]+ s \\(ssh\\).*"), init);
        String qemu = String.join(" ", qemuUnder(scratch.resolve("data/state/arm")));
        assertTrue(qemu.contains("-kernel " + image), qemu);
        assertFalse(qemu.contains("-initrd"), qemu);
        String out = merosOk(scratch, null, SHORT, "run", "arm", "board",
                "uname -m; test -e /proc/modules && echo modules || echo nomodules; findmnt -n -o SOURCE,FSTYPE /").stdout();
        assertEquals(List.of("aarch64", "nomodules", "/dev/vda ext4"), out.strip().lines().toList(), out);
        String serial = Files.readString(scratch.resolve("data/state/arm/board/serial.log"));
        assertTrue(serial.contains("Booting Linux on physical CPU"), "the serial log is the PL011 console");
        assertFalse(serial.contains("Trying to unpack rootfs image as initramfs"), "no initrd");
        String down = merosOk(scratch, null, Duration.ofMinutes(3), "shutdown", "arm").stdout();
        assertTrue(down.matches("(?s).*vm board: powered off.*"), down);
    }

    /** Runs a shipped scenario and returns its subtests as "name: ok" / "name: FAILED message". */
    List<String> script(String namespace, String name) throws Exception {
        return scriptCases(checkout, namespace, RUN, checkout.resolve("scripts/" + name), tmp.resolve(name + ".xml"));
    }

    /** The argv of each QEMU whose command line mentions this directory. */
    static List<String> qemuUnder(Path dir) {
        return E2eSupport.qemuUnder(dir).stream().map(q -> q.substring(q.indexOf(' ') + 1).strip()).toList();
    }
}
