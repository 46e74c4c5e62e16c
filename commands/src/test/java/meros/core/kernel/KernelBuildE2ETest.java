package meros.core.kernel;

import meros.core.Home;
import meros.core.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kernel-build against the real thing: Debian's linux-source tarball, real make and gcc, then the built kernel
 * boots a Debian disk under QEMU (TCG) with no initrd and no modules and serves SSH. Reuses the build left in
 * {@code data/build/kernel/} by an earlier run in this checkout (a cold build takes minutes; incremental seconds).
 */
@Tag("e2e")
class KernelBuildE2ETest {
    private final Home home = Home.detect();
    private final Path work = home.build().resolve("kernel-test");
    private Path pidfile;

    @AfterEach
    void stopQemu() throws IOException {
        if (pidfile != null && Files.isRegularFile(pidfile)) {
            long pid = Long.parseLong(Files.readString(pidfile).strip());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
            Files.deleteIfExists(pidfile);
        }
    }

    private KernelBuilder.Result build(Path fragment) {
        return new KernelBuilder(home).build(new KernelBuilder.Options(null, fragment, KernelArch.X86_64, 0),
                KernelBuilder.printing(new PrintWriter(System.out, true), false));
    }

    @Test
    void buildsFromTheDebianTarballIncrementallyAndWarnsAboutUnknownSymbols() throws IOException {
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

    @Test
    void theBuiltKernelBootsADebianDiskWithoutInitrdToSsh() throws Exception {
        KernelBuilder.Result built = build(null);
        String release = KernelBuilder.bzImageVersion(built.image()).split(" ")[0];
        TestDebianDisk disk = TestDebianDisk.ensure(work, "stable");

        Path run = Files.createDirectories(work.resolve("run"));
        Path overlay = run.resolve("overlay.qcow2");
        Files.deleteIfExists(overlay);
        Proc.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", disk.disk.toString(), "-F", "qcow2", overlay.toString()).run();
        Path serial = run.resolve("serial.log");
        Path qmp = run.resolve("qmp.sock");
        Path qga = run.resolve("qga.sock");
        Files.deleteIfExists(serial);
        pidfile = run.resolve("qemu.pid");
        int port = freePort();
        Proc.of("qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "1024M", "-smp", "2",
                "-drive", "file=" + overlay + ",if=virtio,format=qcow2",
                "-kernel", built.image().toString(), "-append", "root=/dev/vda rw console=ttyS0",
                "-netdev", "user,id=mgmt,hostfwd=tcp:127.0.0.1:" + port + "-:22", "-device", "virtio-net-pci,netdev=mgmt",
                "-chardev", "socket,path=" + qga + ",server=on,wait=off,id=qga0", "-device", "virtio-serial",
                "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                "-qmp", "unix:" + qmp + ",server=on,wait=off",
                "-serial", "file:" + serial, "-display", "none", "-pidfile", pidfile.toString(), "-daemonize").run();

        Path knownHosts = run.resolve("known_hosts");
        String[] hostKey = Files.readString(disk.hostKeyPub).strip().split(" ");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + hostKey[0] + " " + hostKey[1] + "\n");
        List<String> ssh = List.of("ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-i", disk.key.toString(), "-p", Integer.toString(port), "root@127.0.0.1");
        String probe = "uname -r; cat /proc/cmdline; findmnt -n -o SOURCE,FSTYPE /; test -e /proc/modules && echo modules || echo nomodules; "
                + "ls /dev/virtio-ports/; systemctl is-system-running --wait";
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Proc.Result r = null;
        while (System.nanoTime() < deadline) {
            r = Proc.of(concat(ssh, probe)).timeout(Duration.ofMinutes(3)).call();
            if (r.ok() || r.stdout().contains("\n" + "degraded")) break;
            if (!ProcessHandle.of(Long.parseLong(Files.readString(pidfile).strip())).map(ProcessHandle::isAlive).orElse(false)) {
                fail("QEMU died; serial log " + serial + ":\n" + tail(serial));
            }
            Thread.sleep(2000);
        }
        assertNotNull(r);
        assertTrue(r.ok(), "no SSH within 5 minutes (last: " + r.stderr().strip() + "); serial log " + serial + ":\n" + tail(serial));
        List<String> lines = r.stdout().strip().lines().toList();
        assertEquals(List.of(release, "root=/dev/vda rw console=ttyS0", "/dev/vda ext4", "nomodules",
                "org.qemu.guest_agent.0", "running"), lines, r.stdout());
        String log = Files.readString(serial);
        assertFalse(log.contains("initrd"), "no initrd was given");
        assertTrue(log.contains("EXT4-fs (vda): mounted filesystem"), "serial log shows the root mounted");

        // ACPI: QEMU's system_powerdown reaches systemd through the power button and the VM powers off
        qmpCommand(qmp, "{\"execute\":\"system_powerdown\"}");
        long pid = Long.parseLong(Files.readString(pidfile).strip());
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h != null) {
            try {
                h.onExit().get(120, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                fail("the guest did not power off within 120 s of system_powerdown; serial log:\n" + tail(serial));
            }
        }
        assertTrue(Files.readString(serial).contains("reboot: Power down"), tail(serial));
    }

    private static void qmpCommand(Path socket, String json) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("{\"execute\":\"qmp_capabilities\"}\n" + json + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(8192);
            StringBuilder got = new StringBuilder();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && got.toString().split("\"return\"", -1).length < 3) {
                if (ch.read(buf) < 0) break;
                buf.flip();
                got.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
            }
            assertEquals(3, got.toString().split("\"return\"", -1).length, "QMP replies: " + got);
        }
    }

    private static List<String> concat(List<String> a, String last) {
        List<String> l = new java.util.ArrayList<>(a);
        l.add(last);
        return l;
    }

    private static String firstLine(String s) { return s.strip().lines().findFirst().orElse(""); }

    private static String tail(Path f) {
        try {
            return Proc.tail(Files.readString(f), 25);
        } catch (IOException e) {
            return "(no serial log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
