package meros.core.ssh;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;
import meros.core.wait.Poll;
import meros.core.wait.Timeouts;
import meros.core.wait.Wait;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.connection.Connection;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.Channel;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.forwarded.AbstractForwardedChannel;
import net.schmizz.sshj.connection.channel.forwarded.AbstractForwardedChannelOpener;
import net.schmizz.sshj.transport.TransportException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code run --gui}: waypipe on both ends without an ssh binary. On the host {@code waypipe client} listens on a
 * private Unix socket; the guest's sshd forwards a Unix socket of its own back to us
 * ({@code streamlocal-forward@openssh.com}, what {@code ssh -R path:path} asks for), and
 * {@code waypipe server -- sh -c COMMAND} in the guest connects to it. Each forwarded channel is pumped into
 * a fresh connection to the local waypipe socket.
 */
public final class WaypipeRun {
    static final String FORWARD = "streamlocal-forward@openssh.com";
    static final String CANCEL = "cancel-streamlocal-forward@openssh.com";
    static final String CHANNEL = "forwarded-streamlocal@openssh.com";

    private WaypipeRun() { }

    /** Why the host cannot forward a GUI, or null when it can. */
    public static String hostProblem(Map<String, String> env) {
        String wl = env.get("WAYLAND_DISPLAY");
        if (wl == null || wl.isBlank()) return "run --gui needs a Wayland display on this host: WAYLAND_DISPLAY is not set";
        if (!onPath("waypipe", env.getOrDefault("PATH", "/usr/bin:/bin"))) return "run --gui needs waypipe on this host: not found on PATH (Debian package waypipe)";
        return null;
    }

    private static boolean onPath(String tool, String path) {
        for (String d : path.split(":")) if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    public static ExecResult run(SshAccess ssh, String command, OutputStream out, OutputStream err) {
        return run(ssh, command, out, err, System.getenv());
    }

    /** @param env the host environment to take {@code WAYLAND_DISPLAY} and {@code XDG_RUNTIME_DIR} from */
    public static ExecResult run(SshAccess ssh, String command, OutputStream out, OutputStream err, Map<String, String> env) {
        String problem = hostProblem(env);
        if (problem != null) throw new MerosException(ExitCode.MISSING_TOOL, problem);
        Path dir;
        try {
            dir = Files.createTempDirectory("meros-waypipe-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw MerosException.failed("cannot create a directory for the waypipe socket: " + IoErrors.reason(e, null));
        }
        Path local = dir.resolve("client.sock");
        String remote = "/tmp/meros-waypipe-" + UUID.randomUUID() + ".sock";
        Thread client = new Thread(() -> {
            try {
                Proc p = Proc.of("waypipe", "--no-gpu", "--oneshot", "--socket", local.toString(), "client").timeout(Timeouts.INTERACTIVE_COMMAND);
                for (String k : new String[] {"WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"}) if (env.get(k) != null) p.env(k, env.get(k));
                p.call();
            } catch (MerosException ignored) {
                // interrupted when the remote program ended
            }
        }, "waypipe-client");
        client.setDaemon(true);
        client.start();
        SSHClient c = ssh.client();
        Connection conn = c.getConnection();
        Opener opener = new Opener(conn, local);
        try {
            awaitSocket(local, client);
            conn.attach(opener);
            request(conn, FORWARD, remote);
            String script = "d=${XDG_RUNTIME_DIR:-}; if [ -z \"$d\" ] || [ ! -w \"$d\" ]; then d=$(mktemp -d); fi; "
                    + "export XDG_RUNTIME_DIR=\"$d\"; "
                    + "command -v waypipe >/dev/null 2>&1 || { echo 'run --gui: waypipe is not installed in the guest "
                    + "(set gui: true for the VM in the manifest and rebuild)' >&2; exit 127; }; "
                    + "exec waypipe --no-gpu --unlink-socket --socket " + ShellQuote.quote(remote) + " server -- /bin/sh -c "
                    + ShellQuote.quote(command);
            return ssh.exec(script, out, err, Timeouts.INTERACTIVE_COMMAND);
        } finally {
            try { request(conn, CANCEL, remote); } catch (RuntimeException ignored) { }
            conn.forget(opener);
            client.interrupt();
            try { client.join(5000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            try { Files.deleteIfExists(local); Files.deleteIfExists(dir); } catch (IOException ignored) { }
        }
    }

    private static void awaitSocket(Path local, Thread client) {
        Wait.until("the waypipe client to create its socket " + local + " (is the Wayland display usable?)", d -> {
            if (Files.exists(local)) return Poll.done(null);
            return client.isAlive() ? Poll.pending("no socket yet")
                    : Poll.never("the waypipe client ended without creating its socket " + local + " (is the Wayland display usable?)");
        }).every(SOCKET_POLL).await(Timeouts.WAYPIPE_SOCKET);
    }

    /** Pause between two looks for the waypipe client's socket. */
    private static final Duration SOCKET_POLL = Duration.ofMillis(20);

    private static void request(Connection conn, String name, String path) {
        try {
            conn.sendGlobalRequest(name, true, new Buffer.PlainBuffer().putString(path).getCompactData())
                    .retrieve(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw MerosException.failed("the guest's sshd refused " + name + " for " + path
                    + " (AllowStreamLocalForwarding?): " + e.getMessage());
        }
    }

    /** A channel the guest opened because something connected to the forwarded socket. */
    static final class StreamLocalChannel extends AbstractForwardedChannel {
        StreamLocalChannel(Connection conn, int recipient, long window, long maxPacket, String path) {
            super(conn, CHANNEL, recipient, window, maxPacket, path, 0);
        }
    }

    static final class Opener extends AbstractForwardedChannelOpener {
        private final Path local;

        Opener(Connection conn, Path local) {
            super(CHANNEL, conn);
            this.local = local;
        }

        @Override
        public void handleOpen(SSHPacket buf) throws ConnectionException, TransportException {
            StreamLocalChannel chan;
            try {
                chan = new StreamLocalChannel(conn, buf.readUInt32AsInt(), buf.readUInt32(), buf.readUInt32(), buf.readString());
            } catch (Buffer.BufferException e) {
                throw new ConnectionException(e);
            }
            callListener(this::bridge, chan);
        }

        private void bridge(Channel.Forwarded chan) throws IOException {
            SocketChannel sock = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                sock.connect(UnixDomainSocketAddress.of(local));
            } catch (IOException e) {
                sock.close();
                chan.reject(OpenFailException.Reason.CONNECT_FAILED, "cannot connect to " + local);
                return;
            }
            chan.confirm();
            Thread up = new Thread(() -> copy(chan.getInputStream(), sock), "waypipe-guest-to-host");
            up.setDaemon(true);
            up.start();
            Thread down = new Thread(() -> copy(sock, chan.getOutputStream(), chan), "waypipe-host-to-guest");
            down.setDaemon(true);
            down.start();
        }

        private static void copy(InputStream in, SocketChannel sock) {
            byte[] b = new byte[32768];
            try (sock) {
                int n;
                while ((n = in.read(b)) >= 0) {
                    ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                    while (bb.hasRemaining()) sock.write(bb);
                }
            } catch (IOException ignored) {
                // either side closed
            }
        }

        private static void copy(SocketChannel sock, OutputStream out, Channel chan) {
            ByteBuffer bb = ByteBuffer.allocate(32768);
            try {
                while (sock.read(bb) >= 0) {
                    bb.flip();
                    out.write(bb.array(), 0, bb.limit());
                    out.flush();
                    bb.clear();
                }
                out.close(); // sends EOF
            } catch (IOException ignored) {
                // either side closed
            } finally {
                try { chan.close(); } catch (IOException ignored) { }
            }
        }
    }
}
