package meros.e2e;

import meros.core.base.Home;
import meros.core.kernel.KernelArch;
import meros.core.kernel.KernelBuilder;
import meros.core.manifest.ManifestLoader;
import meros.core.proc.Proc;
import meros.testkit.Warmup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static meros.e2e.E2E.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kernel-build} + {@code demo}: the kernel built from Debian's linux-source tarball (reusing the build left in
 * the checkout's {@code data/build/kernel/}) boots the demo VM with no initrd and no modules, the image build
 * skips the distribution kernel, and the VM answers SSH and powers off on {@code shutdown}. The constellation is a
 * copy of the shipped demo with {@code kernel:} added, in a throw-away home (so the checkout's demo is untouched)
 * that shares the checkout's bootstrap cache.
 */
@Tag("e2e")
class KernelDemoE2ETest {
    final Path checkout = checkout();
    @TempDir Path home;

    @AfterEach
    void cleanup() {
        meros(home, null, Duration.ofMinutes(3), "shutdown", "demo", "--timeout", "5");
        killQemuUnder(home.resolve("data/state/demo"));
    }

    @Test
    void demoBootsTheBuiltKernelWithoutInitrdAndAnswersSsh() throws Exception {
        requireTools("qemu-system-x86_64", "qemu-img", "ssh", "mmdebstrap", "make", "gcc");
        Warmup.await(Warmup.KERNEL_X86_64); // scripts/test builds it in the background
        KernelBuilder builder = new KernelBuilder(new Home(checkout));
        Path image = builder.installedImage(KernelArch.X86_64);

        // share the checkout's bootstrap cache: a second run reuses the base root instead of bootstrapping again
        Files.createDirectories(home.resolve("data"));
        Files.createSymbolicLink(home.resolve("data/cache"), Files.createDirectories(checkout.resolve("data/cache")));
        Path demo = Files.createDirectories(home.resolve("constellations"));
        copyTree(checkout.resolve("constellations/demo"), demo.resolve("demo"));
        Path yml = demo.resolve("demo/demo.yml");
        String text = Files.readString(yml);
        assertTrue(text.contains("\n  box:\n"), text);
        Files.writeString(yml, text.replace("\n  box:\n", "\n  box:\n    kernel: " + image + "\n"));
        assertEquals(image.toString(), ManifestLoader.load(demo.resolve("demo")).vm("box").kernel());

        // the disk (its base bootstrap is mostly waiting on the mirror and dpkg) builds while the kernel compiles:
        // the build does not read the kernel file
        CompletableFuture<Proc.Result> disk = CompletableFuture.supplyAsync(() -> meros(home, null, Duration.ofMinutes(25), "build", "demo"));
        KernelBuilder.Result kernel;
        try {
            kernel = builder.build(new KernelBuilder.Options(null, null, KernelArch.X86_64, 0),
                    KernelBuilder.printing(new PrintWriter(System.out, true), false));
        } finally {
            Proc.Result built = disk.get(25, TimeUnit.MINUTES);
            assertEquals(0, built.exit(), built.stdout() + built.stderr());
        }
        assertEquals(image, kernel.image());
        String release = KernelBuilder.bzImageVersion(kernel.image()).split(" ")[0];

        String init = merosOk(home, null, Duration.ofMinutes(25), "init", "demo").stdout();
        assertTrue(init.matches("(?s).*box: started \\(pid \\d+, tcg, ssh 127.0.0.1:(\\d+)\\).*box: ready in [0-9.]+ s \\(ssh\\).*"), init);
        int port = Integer.parseInt(init.replaceAll("(?s).*ssh 127.0.0.1:(\\d+)\\).*", "$1"));
        assertFalse(Files.exists(home.resolve("data/disks/demo/box.vmlinuz")), "the image build must skip kernel extraction");
        assertFalse(Files.exists(home.resolve("data/disks/demo/box.initrd")));

        String out = sshOk(home, null, "demo", "box", "127.0.0.1", port,
                "uname -r; findmnt -n -o SOURCE,FSTYPE /; test -e /proc/modules && echo modules || echo nomodules; "
                        + "ls /dev/virtio-ports/; systemctl is-system-running --wait");
        assertEquals(List.of(release, "/dev/vda ext4", "nomodules", "org.qemu.guest_agent.0", "running"),
                out.strip().lines().toList(), out);
        String qemuCmd = String.join(" ", qemuUnder(home.resolve("data/state/demo")));
        assertTrue(qemuCmd.contains("-kernel " + kernel.image()), qemuCmd);
        assertFalse(qemuCmd.contains("-initrd"), qemuCmd);
        String serial = Files.readString(home.resolve("data/state/demo/box/serial.log"));
        assertTrue(serial.contains("EXT4-fs (vda): mounted filesystem"), "serial log shows the root mounted");

        String down = merosOk(home, null, Duration.ofMinutes(3), "shutdown", "demo").stdout();
        System.out.println(down); // how long the power-off took
        assertTrue(down.matches("(?s).*vm box: powered off.*"),
                () -> down + "\nserial log's end:\n" + Proc.tail(readQuietly(home.resolve("data/state/demo/box/serial.log")), 40));
        assertEquals(List.of(), qemuUnder(home.resolve("data/state/demo")));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p).replace("\r", "");
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
