package meros.core.ssh;

import meros.core.base.ExitCode;
import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.base.TextFiles;
import meros.core.wait.Deadline;
import meros.core.wait.Poll;
import meros.core.wait.Timeouts;
import meros.core.wait.Wait;
import meros.core.wait.WaitTimeout;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.common.SecurityUtils;
import net.schmizz.sshj.common.StreamCopier;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.FileMode;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.sftp.SFTPException;
import net.schmizz.sshj.sftp.SFTPFileTransfer;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.xfer.TransferListener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * SSH to one VM as one user over sshj: the client key from {@code data/keys}, the host key pinned to the
 * recorded one, one connection per instance reused across calls and re-made when it dropped.
 * Commands run as {@code /bin/sh -c '<command>'} in the guest.
 */
public final class SshAccess implements AutoCloseable {
    /** Shared: building sshj's config (algorithm factories) is the slow part of the first connect. */
    private static volatile DefaultConfig config;

    private final Supplier<SshTarget> target;
    private final int connectTimeoutMs;
    private final int bannerTimeoutMs;
    private final int handshakeTimeoutMs;
    private final Runnable onAnswer;
    private SSHClient client;
    private SFTPClient sftp;
    private SshTarget connected;

    /**
     * @param target         resolved again on every (re)connect, so a restarted VM's new port is picked up
     * @param connectTimeout for the TCP connect; the banner, key exchange and channel opens get this or 5 s,
     *                       whichever is longer
     */
    public SshAccess(Supplier<SshTarget> target, Duration connectTimeout) {
        this(target, (int) connectTimeout.toMillis(), (int) Math.max(connectTimeout.toMillis(), MIN_HANDSHAKE.toMillis()),
                (int) Math.max(connectTimeout.toMillis(), MIN_HANDSHAKE.toMillis()), () -> { });
    }

    /**
     * @param target           resolved again on every (re)connect
     * @param connectTimeout   for the TCP connect, and for the peer's first byte (its banner): how long a connection
     *                         nobody answers on is kept
     * @param handshakeTimeout for each later read of the key exchange and for channel opens: how long a peer that has
     *                         answered may stay silent before the attempt is given up
     */
    public SshAccess(Supplier<SshTarget> target, Duration connectTimeout, Duration handshakeTimeout) {
        this(target, connectTimeout, handshakeTimeout, () -> { });
    }

    /**
     * As {@link #SshAccess(Supplier, Duration, Duration)}, telling {@code onAnswer} (on the connecting thread) when
     * a connection's peer has sent its first byte: sshd is up and answering.
     */
    public SshAccess(Supplier<SshTarget> target, Duration connectTimeout, Duration handshakeTimeout, Runnable onAnswer) {
        this(target, (int) connectTimeout.toMillis(), (int) connectTimeout.toMillis(), (int) handshakeTimeout.toMillis(), onAnswer);
    }

    private SshAccess(Supplier<SshTarget> target, int connectTimeoutMs, int bannerTimeoutMs, int handshakeTimeoutMs, Runnable onAnswer) {
        this.target = target;
        this.connectTimeoutMs = connectTimeoutMs;
        this.bannerTimeoutMs = bannerTimeoutMs;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.onAnswer = onAnswer;
    }

    /** The shortest silence after connecting that gives up on a peer (a forwarded port whose guest is mute). */
    static final Duration MIN_HANDSHAKE = Duration.ofSeconds(5);

    public SshAccess(SshTarget target) { this(() -> target, Duration.ofSeconds(10)); }

    /** SSH could not reach the guest at all (refused, timed out, closed before the handshake): fallbacks may apply. */
    public static final class Unreachable extends MerosException {
        public Unreachable(String message, Throwable cause) { super(ExitCode.FAILED, message, cause); }
    }

    /** sshd answered and refused the client key for the user: permanent while the guest's authorized_keys stay as they are. */
    public static final class KeyRefused extends MerosException {
        private final String user;

        public KeyRefused(String message, String user) {
            super(ExitCode.FAILED, message);
            this.user = user;
        }

        /** The user the key was offered for. */
        public String user() { return user; }
    }

    /** The guest offered a host key other than the recorded one. Never falls back. */
    public static final class HostKeyMismatch extends MerosException {
        public HostKeyMismatch(String message) { super(ExitCode.FAILED, message); }
    }

    /**
     * Ciphers tried first: AES-GCM runs on the JDK's own provider with AES-NI/CLMUL intrinsics; the
     * default order starts with chacha20-poly1305, which sshj computes in pure Java (measured: about half the
     * throughput of scp on loopback; with AES-GCM on the JDK provider about the same as scp).
     */
    static final List<String> PREFERRED_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr");

    private static DefaultConfig config() {
        DefaultConfig c = config;
        if (c == null) {
            synchronized (SshAccess.class) {
                if (config == null) {
                    // keep BouncyCastle off the JCE provider list: sshj would then take AES from it (no intrinsics)
                    SecurityUtils.setRegisterBouncyCastle(false);
                    SecurityUtils.setSecurityProvider(null);
                    DefaultConfig d = new DefaultConfig();
                    d.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
                    var ciphers = new ArrayList<>(d.getCipherFactories());
                    ciphers.sort(Comparator.comparingInt(f -> {
                        int i = PREFERRED_CIPHERS.indexOf(f.getName());
                        return i < 0 ? PREFERRED_CIPHERS.size() : i;
                    }));
                    d.setCipherFactories(ciphers);
                    config = d;
                }
                c = config;
            }
        }
        return c;
    }

    /**
     * Starts, on a daemon thread of its own, what a first connection of this JVM does before it reaches the network:
     * sshj's configuration, the classes of a client, the parsing of the client key and of the pinned host key. Called
     * while a resumed VM's state loads (about 0.2 s), so that the login started once the VM runs does not spend
     * 100–150 ms of a cold JVM on it (measured on a resumed demo under TCG). Failures are left to the real connect,
     * which reports them.
     *
     * @param clientKey the private key a login will offer (OpenSSH format)
     * @param hostKey   the pinned host key ({@code ssh_host_ed25519_key.pub})
     */
    public static void warmUpInBackground(Path clientKey, Path hostKey) {
        Thread t = new Thread(() -> {
            try {
                HostKeys.read(hostKey);
                try (SSHClient c = new SSHClient(config())) {
                    if (Files.isReadable(clientKey)) c.loadKeys(TextFiles.read(clientKey), null, null);
                }
            } catch (IOException | RuntimeException ignored) {
                // the connect that follows meets the same problem and says what it is
            }
        }, "meros-ssh-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** The live client, connecting (or reconnecting after a drop) as needed. */
    public synchronized SSHClient client() {
        if (client != null && client.isConnected() && client.isAuthenticated()) return client;
        closeQuietly();
        SshTarget t = target.get();
        client = connect(t, connectTimeoutMs, bannerTimeoutMs, handshakeTimeoutMs, onAnswer);
        connected = t;
        return client;
    }

    public synchronized boolean isConnected() { return client != null && client.isConnected() && client.isAuthenticated(); }

    /** The target of the current connection (after {@link #client()}). */
    public synchronized SshTarget target() { return connected != null ? connected : target.get(); }

    static SSHClient connect(SshTarget t, int connectTimeoutMs, int bannerTimeoutMs, int handshakeTimeoutMs, Runnable onAnswer) {
        HostKeys.Recorded recorded = HostKeys.read(t.hostKey());
        Pinned pinned = new Pinned(recorded);
        SSHClient c = new SSHClient(config());
        c.addHostKeyVerifier(pinned);
        c.setConnectTimeout(connectTimeoutMs);
        c.setSocketFactory(new FirstByteSocketFactory(handshakeTimeoutMs, onAnswer));
        c.setTimeout(bannerTimeoutMs); // a forwarded port whose guest is mute: no banner, give up
        c.getTransport().setTimeoutMs(handshakeTimeoutMs);
        try {
            c.connect(t.host(), t.port());
        } catch (IOException e) {
            quietly(c);
            if (pinned.offered != null && !pinned.matched) {
                throw new HostKeyMismatch("host key of " + t.label() + " at " + t.host() + ":" + t.port()
                        + " does not match the key recorded at build time: expected " + recorded.type() + " "
                        + recorded.fingerprint() + " (" + recorded.file() + "), offered " + pinned.offeredType + " "
                        + pinned.offered + "; refusing to connect");
            }
            throw unreachable(t, e);
        }
        try {
            c.getConnection().getKeepAlive().setKeepAliveInterval(5);
            c.getConnection().setTimeoutMs(handshakeTimeoutMs); // channel opens on a dead link give up
            if (!Files.isReadable(t.clientKey())) {
                throw MerosException.failed("no client key " + t.clientKey() + " (was the VM built?)");
            }
            c.authPublickey(t.user(), c.loadKeys(TextFiles.read(t.clientKey()), null, null)); // BOM and CRLF tolerated
            c.getSocket().setSoTimeout(0); // connected: idle is fine, keep-alives detect a dead peer
            c.getSocket().setTcpNoDelay(true); // small requests (exec, EOF) must not wait for delayed ACKs (~40 ms each)
            return c;
        } catch (UserAuthException e) {
            quietly(c);
            throw new KeyRefused("the guest " + t.label() + " refused key " + t.clientKey() + " for user '"
                    + t.user() + "'", t.user());
        } catch (IOException e) {
            quietly(c);
            throw unreachable(t, e);
        } catch (RuntimeException e) {
            quietly(c);
            throw e;
        }
    }

    private static Unreachable unreachable(SshTarget t, IOException e) {
        String why = e instanceof ConnectException ? "connection refused"
                : e instanceof SocketTimeoutException ? "timed out"
                : e instanceof NoRouteToHostException ? "no route to host"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new Unreachable("cannot reach " + t.label() + " over SSH at " + t.host() + ":" + t.port() + ": " + why, e);
    }

    /** Accepts exactly the recorded key and remembers what was offered for the error message. */
    static final class Pinned implements HostKeyVerifier {
        private final HostKeys.Recorded recorded;
        volatile String offered;
        volatile String offeredType;
        volatile boolean matched;

        Pinned(HostKeys.Recorded recorded) { this.recorded = recorded; }

        @Override
        public boolean verify(String host, int port, PublicKey key) {
            byte[] blob = HostKeys.blob(key);
            offered = HostKeys.fingerprint(blob);
            offeredType = KeyType.fromKey(key).toString();
            matched = Arrays.equals(blob, recorded.blob());
            return matched;
        }

        @Override
        public List<String> findExistingAlgorithms(String host, int port) { return List.of(recorded.type()); }
    }

    // ---------------------------------------------------------------- exec

    /** Runs {@code command} with {@code /bin/sh -c}, capturing stdout and stderr. */
    public ExecResult exec(String command, Duration timeout) {
        return exec(command, null, null, timeout);
    }

    /**
     * Runs {@code command} with the guest's {@code /bin/sh}; stdout and stderr go live to the sinks (or are
     * captured into the result when a sink is null). Stdin is closed.
     * <p>
     * Returns when the remote shell has exited: its exit status has arrived and its output has ended, or at most
     * {@link Timeouts#EXIT_OUTPUT_GRACE} after the status if a process it left in the background keeps the output
     * open ({@code sleep 900 &}); that process keeps running. The deadline {@code timeout} holds whether or not
     * output arrives; at the deadline or on interrupt the remote command gets SIGKILL and the call throws.
     */
    public ExecResult exec(String command, OutputStream out, OutputStream err, Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        ByteArrayOutputStream capOut = out == null ? new ByteArrayOutputStream() : null;
        ByteArrayOutputStream capErr = err == null ? new ByteArrayOutputStream() : null;
        OutputStream o = out == null ? capOut : out;
        OutputStream e = err == null ? capErr : err;
        Session.Command cmd = null;
        Session s = null;
        try {
            s = session();
            cmd = s.exec(ShellQuote.shC(command));
            cmd.getOutputStream().close();
            Session.Command c = cmd;
            Thread outPump = pump(cmd.getInputStream(), o, "ssh-stdout");
            Thread errPump = pump(cmd.getErrorStream(), e, "ssh-stderr");
            // the shell has exited once its status arrived (or the channel ended); output normally ends with it
            Wait.until(oneLine(command) + " to exit", d -> {
                long look = Math.min(EXIT_LOOK.toMillis(), d.remainingMillis());
                if (look > 0) outPump.join(look); // join(0) would wait forever
                boolean outputDone = !outPump.isAlive() && !errPump.isAlive();
                boolean exited = c.getExitStatus() != null || c.getExitSignal() != null || !c.isOpen();
                return Poll.of(exited || outputDone, outputDone ? "output ended, no exit status yet" : "no exit status yet");
            }).subject(target().label()).every(Duration.ZERO).retryOn(x -> false).await(deadline);
            Deadline grace = deadline.atMost(Timeouts.EXIT_OUTPUT_GRACE);
            joinUntil(outPump, grace);
            joinUntil(errPump, grace);
            if (c.getExitStatus() == null && c.getExitSignal() == null && !deadline.expired()) {
                // output ended first: the status follows right after it
                cmd.join(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
            }
            Integer status = cmd.getExitStatus();
            Signal sig = cmd.getExitSignal();
            if (status == null && sig == null && deadline.expired()) throw new TimedOut();
            return new ExecResult(status, status == null && sig != null ? sig.name() : null,
                    capture(capOut), capture(capErr));
        } catch (InterruptedException | InterruptedIOException ie) {
            kill(cmd);
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted: " + oneLine(command) + " on " + target().label());
        } catch (TimedOut | WaitTimeout to) {
            kill(cmd);
            throw MerosException.failed("timed out after " + Deadline.format(timeout) + ": " + oneLine(command) + " on " + target().label());
        } catch (MerosException me) {
            if (me.exitCode() == ExitCode.INTERRUPTED) kill(cmd);
            throw me;
        } catch (IOException io) {
            throw MerosException.failed("running " + oneLine(command) + " on " + target().label() + " failed: " + io.getMessage());
        } finally {
            if (s != null) closeSoon(s);
        }
    }

    /**
     * Closes a session channel. sshj waits for the guest's half of the close, which sshd sends only once the
     * command's output is closed; a command killed at its deadline or a process left in the background may hold
     * it open, so the wait happens on a daemon thread and the caller returns now.
     */
    private static void closeSoon(Session s) {
        if (!s.isOpen()) return;
        Thread t = new Thread(() -> {
            try { s.close(); } catch (IOException | RuntimeException ignored) { }
        }, "ssh-close");
        t.setDaemon(true);
        t.start();
    }

    private static void joinUntil(Thread t, Deadline d) throws InterruptedException {
        long ms = d.remainingMillis();
        if (ms > 0) t.join(ms);
    }

    /** Longest single look while waiting for a command's end (returns earlier when its output ends). */
    private static final Duration EXIT_LOOK = Duration.ofMillis(20);

    /** The captured text so far (the pumps may still be writing when a background process holds the output). */
    private static String capture(ByteArrayOutputStream b) {
        if (b == null) return "";
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class TimedOut extends IOException { }

    /**
     * A new session; when the kept connection turns out to be dead (the guest rebooted, its network went away)
     * it is dropped and made again once, so the caller sees either a session or {@link Unreachable}.
     */
    private Session session() throws IOException {
        SSHClient c = client();
        try {
            return c.startSession();
        } catch (IOException e) {
            synchronized (this) {
                if (client == c) closeQuietly();
            }
            return client().startSession();
        }
    }

    private static Thread pump(InputStream in, OutputStream out, String name) {
        Thread t = new Thread(() -> {
            try {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // channel closed: what arrived was delivered
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void kill(Session.Command cmd) {
        if (cmd == null) return;
        try { cmd.signal(Signal.KILL); } catch (IOException ignored) { }
    }

    static String oneLine(String s) {
        String l = s.strip().replace('\n', ' ');
        return "'" + Text.shorten(l, 60) + "'";
    }

    // ---------------------------------------------------------------- interactive

    /**
     * An interactive login shell on a PTY through {@code term}: raw mode, the terminal's size and its resizes,
     * every key (Ctrl-C too) goes to the guest. Returns the shell's exit status when it ends.
     */
    public ExecResult shell(TerminalAccess term) {
        try (Session s = session()) {
            s.allocatePTY(term.type() == null ? "xterm" : term.type(), term.columns(), term.rows(), 0, 0, Map.of());
            Session.Shell sh = s.startShell();
            try (AutoCloseable raw = term.enterRaw();
                 AutoCloseable resize = term.onResize(() -> {
                     try { sh.changeWindowDimensions(term.columns(), term.rows(), 0, 0); } catch (IOException ignored) { }
                 })) {
                Thread outPump = pump(sh.getInputStream(), term.output(), "ssh-pty-out");
                Thread errPump = pump(sh.getErrorStream(), term.output(), "ssh-pty-err");
                OutputStream toGuest = sh.getOutputStream();
                byte[] one = new byte[1];
                while (sh.isOpen() && outPump.isAlive()) {
                    int b = term.read(50);
                    if (b == TerminalAccess.TIMEOUT) continue;
                    if (b < 0) { toGuest.close(); break; }
                    one[0] = (byte) b;
                    toGuest.write(one);
                    toGuest.flush();
                }
                outPump.join(5000);
                errPump.join(1000);
                sh.join(5, TimeUnit.SECONDS);
                Session.Command ended = (Session.Command) sh; // sshj's session channel is both
                Integer status = ended.getExitStatus();
                Signal sig = ended.getExitSignal();
                return new ExecResult(status, status == null && sig != null ? sig.name() : null, "", "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted: shell on " + target().label());
        } catch (MerosException e) {
            throw e;
        } catch (Exception e) {
            throw MerosException.failed("shell on " + target().label() + " failed: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- SFTP

    private synchronized SFTPClient sftp() {
        SSHClient c = client();
        if (sftp != null && c == client && sftpOpen()) return sftp;
        try {
            sftp = c.newSFTPClient();
            return sftp;
        } catch (IOException e) {
            throw MerosException.failed("cannot start SFTP on " + target().label() + ": " + e.getMessage());
        }
    }

    private boolean sftpOpen() {
        try { return sftp.getSFTPEngine().getSubsystem().isOpen(); } catch (RuntimeException e) { return false; }
    }

    /** Remote paths are relative to the user's home; a leading {@code ~/} means the same. */
    static String remotePath(String p) {
        if (p.equals("~")) return ".";
        if (p.startsWith("~/")) return p.substring(2).isEmpty() ? "." : p.substring(2);
        return p;
    }

    /**
     * Copies a local file or directory (recursively) to the guest, keeping modes and times. Like {@code scp -rp}:
     * into {@code remote} when it is an existing directory, else as {@code remote}.
     */
    public void push(Path local, String remote, TransferProgress progress) {
        if (!Files.exists(local)) throw MerosException.usage("no such local file: " + local);
        String r = remotePath(remote);
        try {
            // scp semantics decided here (sshj's own rule keeps a directory's name only in some cases)
            FileAttributes there = sftp().statExistence(r);
            String name = local.toAbsolutePath().normalize().getFileName().toString();
            String target = there != null && there.getType() == FileMode.Type.DIRECTORY
                    ? r.replaceAll("/+$", "") + "/" + name : r;
            SFTPFileTransfer x = transfer(progress);
            x.upload(new PosixFile(local), target);
        } catch (IOException e) {
            throw MerosException.failed("push " + local + " to " + target().label() + ":" + remote + " failed: " + IoErrors.reason(e, local));
        }
    }

    /** Copies a remote file or directory (recursively) from the guest, keeping modes and times; like {@code scp -rp}. */
    public void pull(String remote, Path local, TransferProgress progress) {
        String r = remotePath(remote);
        try {
            SFTPFileTransfer x = transfer(progress);
            x.download(r, new PosixFile(local));
        } catch (SFTPException e) {
            throw MerosException.failed("pull " + target().label() + ":" + remote + " failed: " + e.getMessage());
        } catch (IOException e) {
            throw MerosException.failed("pull " + target().label() + ":" + remote + " to " + local + " failed: " + IoErrors.reason(e, local));
        }
    }

    /** Creates a remote directory and its parents (relative to home unless absolute). */
    public void mkdirs(String remote) {
        try {
            sftp().mkdirs(remotePath(remote));
        } catch (IOException e) {
            throw MerosException.failed("cannot create " + remote + " on " + target().label() + ": " + e.getMessage());
        }
    }

    /** The remote file's type, or null if it does not exist. */
    public FileMode.Type stat(String remote) {
        try {
            FileAttributes a = sftp().statExistence(remotePath(remote));
            return a == null ? null : a.getType();
        } catch (IOException e) {
            throw MerosException.failed("cannot stat " + remote + " on " + target().label() + ": " + e.getMessage());
        }
    }

    private SFTPFileTransfer transfer(TransferProgress progress) {
        SFTPFileTransfer x = sftp().getFileTransfer();
        x.setPreserveAttributes(true);
        x.setTransferListener(listener("", progress));
        return x;
    }

    private static TransferListener listener(String prefix, TransferProgress p) {
        return new TransferListener() {
            @Override public TransferListener directory(String name) { return listener(prefix + name + "/", p); }
            @Override public StreamCopier.Listener file(String name, long size) {
                String f = prefix + name;
                p.update(f, 0, size);
                return done -> p.update(f, done, size);
            }
        };
    }

    // ---------------------------------------------------------------- lifecycle

    private void closeQuietly() {
        if (sftp != null) try { sftp.close(); } catch (IOException ignored) { }
        sftp = null;
        if (client != null) quietly(client);
        client = null;
        connected = null;
    }

    private static void quietly(SSHClient c) {
        try { c.disconnect(); } catch (IOException | RuntimeException ignored) { }
    }

    @Override
    public synchronized void close() { closeQuietly(); }
}
