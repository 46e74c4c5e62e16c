package meros.core.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd on 127.0.0.1 with a throwaway host key and client key, for tests and the benchmark.
 * Needs /usr/sbin/sshd (Debian package openssh-server) and root (it logs in as the current user).
 */
public final class LoopbackSshd implements AutoCloseable {
    public final Path dir;
    public final int port;
    public final Path hostKey;      // private; .pub next to it
    public final Path clientKey;    // private; .pub next to it
    private final Process process;

    private LoopbackSshd(Path dir, int port, Path hostKey, Path clientKey, Process process) {
        this.dir = dir;
        this.port = port;
        this.hostKey = hostKey;
        this.clientKey = clientKey;
        this.process = process;
    }

    public static LoopbackSshd start() throws IOException, InterruptedException {
        Path sshd = Path.of("/usr/sbin/sshd");
        if (!Files.isExecutable(sshd)) {
            throw new IllegalStateException("/usr/sbin/sshd missing: install the Debian package openssh-server");
        }
        Path dir = Files.createTempDirectory("meros-sshd-");
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path clientKey = dir.resolve("id_ed25519");
        keygen(hostKey);
        keygen(clientKey);
        Files.copy(Path.of(clientKey + ".pub"), dir.resolve("authorized_keys"));
        // sshd reads authorized_keys as the logging-in user: let other users (the benchmark's) read it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(Path.of("/run/sshd"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { port = s.getLocalPort(); }
        Path cfg = dir.resolve("sshd_config");
        Files.writeString(cfg, String.join("\n",
                "HostKey " + hostKey,
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PidFile " + dir.resolve("sshd.pid"),
                "Subsystem sftp internal-sftp",
                "AllowStreamLocalForwarding yes",
                "AllowTcpForwarding yes",
                "LogLevel ERROR",
                "") );
        Process p = new ProcessBuilder(List.of(sshd.toString(), "-D", "-e", "-f", cfg.toString(), "-p", String.valueOf(port),
                "-o", "ListenAddress=127.0.0.1", "-h", hostKey.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        LoopbackSshd d = new LoopbackSshd(dir, port, hostKey, clientKey, p);
        d.awaitBanner();
        return d;
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "meros-test", "-f", key.toString())
                .redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen failed: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void awaitBanner() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("sshd exited: " + Files.readString(dir.resolve("sshd.log")));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                byte[] b = new byte[7];
                if (in.readNBytes(b, 0, 7) == 7 && new String(b, StandardCharsets.US_ASCII).equals("SSH-2.0")) return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IOException("sshd on port " + port + " did not answer within 20 s", last);
    }

    /** A target for the current user with the recorded host key {@code hostKeyPub}. */
    public SshTarget target(Path hostKeyPub) {
        return new SshTarget("test/loopback", "127.0.0.1", port, System.getProperty("user.name"), clientKey, hostKeyPub);
    }

    public SshTarget target() { return target(Path.of(hostKey + ".pub")); }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
