package meros.core.kernel;

import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture: a small Debian disk in meros's on-disk form (one ext4 filesystem on the whole disk, root=/dev/vda,
 * systemd-networkd with DHCP, sshd, qemu-guest-agent) made with mmdebstrap, mke2fs -d and qemu-img, plus a client
 * key authorized for root and the guest's host key. Cached under {@code data/build/kernel-test/<release>/}: the
 * kernel e2e test uses it when the image builder's {@code demo} disk is not available.
 */
final class TestDebianDisk {
    static final List<String> PACKAGES = List.of("systemd-sysv", "udev", "dbus", "openssh-server", "qemu-guest-agent", "iproute2");

    final Path dir;
    final Path disk;
    final Path key;
    final Path hostKeyPub;

    private TestDebianDisk(Path dir) {
        this.dir = dir;
        this.disk = dir.resolve("disk.qcow2");
        this.key = dir.resolve("id_ed25519");
        this.hostKeyPub = dir.resolve("ssh_host_ed25519_key.pub");
    }

    static TestDebianDisk ensure(Path cacheDir, String release) throws IOException {
        TestDebianDisk d = new TestDebianDisk(cacheDir.resolve(release));
        if (Files.isRegularFile(d.disk) && Files.isRegularFile(d.key) && Files.isRegularFile(d.hostKeyPub)) return d;
        Files.createDirectories(d.dir);
        Path root = d.dir.resolve("root");
        KernelSource.deleteTree(root);
        Files.deleteIfExists(d.key);
        Files.deleteIfExists(d.dir.resolve("id_ed25519.pub"));
        Proc.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "meros-kernel-e2e", "-f", d.key.toString()).run();
        try {
            Proc.of("mmdebstrap", "--variant=minbase", "--include=" + String.join(",", PACKAGES), release,
                    root.toString(), hostMirror()).timeout(Duration.ofMinutes(20)).run();
            Path ssh = Files.createDirectories(root.resolve("root/.ssh"));
            Files.copy(d.dir.resolve("id_ed25519.pub"), ssh.resolve("authorized_keys"));
            Files.writeString(root.resolve("etc/systemd/network/80-dhcp.network"), "[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n");
            Files.writeString(root.resolve("etc/hostname"), "kernel-e2e\n");
            Proc.of("chroot", root.toString(), "systemctl", "enable", "systemd-networkd").run();
            Files.copy(root.resolve("etc/ssh/ssh_host_ed25519_key.pub"), d.hostKeyPub,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path raw = d.dir.resolve("disk.raw");
            Proc.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), raw.toString(), "2G")
                    .timeout(Duration.ofMinutes(10)).run();
            Proc.of("qemu-img", "convert", "-O", "qcow2", raw.toString(), d.disk + ".tmp").timeout(Duration.ofMinutes(10)).run();
            Files.delete(raw);
            Files.move(Path.of(d.disk + ".tmp"), d.disk, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            KernelSource.deleteTree(root);
        }
        return d;
    }

    /** The Debian mirror of the host's apt sources (deb822 {@code .sources} first, then one-line lists). */
    static String hostMirror() throws IOException {
        List<Path> files = new ArrayList<>();
        Path d = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(d)) {
            try (var s = Files.list(d)) {
                s.filter(p -> p.toString().endsWith(".sources")).sorted().forEach(files::add);
            }
        }
        Pattern uris = Pattern.compile("(?m)^URIs:\\s*(\\S+)");
        for (Path f : files) {
            for (String stanza : Files.readString(f).split("\n\\s*\n")) {
                Matcher m = uris.matcher(stanza);
                if (m.find() && stanza.matches("(?s).*Suites:[^\n]*\\b(bookworm|trixie|stable|sid|unstable|testing)\\b(?![-/]).*")
                        && !m.group(1).contains("security")) {
                    return m.group(1);
                }
            }
        }
        Path list = Path.of("/etc/apt/sources.list");
        if (Files.isRegularFile(list)) {
            Matcher m = Pattern.compile("(?m)^deb\\s+(?:\\[[^]]*]\\s+)?(\\S+)\\s+\\S+").matcher(Files.readString(list));
            while (m.find()) if (!m.group(1).contains("security")) return m.group(1);
        }
        throw new IllegalStateException("no Debian mirror in the host's apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list)");
    }
}
