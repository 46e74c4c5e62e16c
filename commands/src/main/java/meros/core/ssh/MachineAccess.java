package meros.core.ssh;

import meros.core.base.Home;
import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.state.StateDir;
import meros.core.state.VmPaths;
import meros.core.state.VmState;
import meros.core.wait.Timeouts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reaching one VM: SSH (one reused connection per user) with the key pair from {@code data/keys/<c>/<vm>/}
 * and the address from {@code data/state/<c>/<vm>/vm.json}; when SSH cannot reach the guest at all,
 * {@code run}, {@code push} and {@code pull} go through the guest agent instead and say so.
 */
public final class MachineAccess implements AutoCloseable {
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final Home home;
    private final String constellation;
    private final String vm;
    private final String defaultUser;
    private final Map<String, SshAccess> connections = new ConcurrentHashMap<>();

    public MachineAccess(Home home, String constellation, String vm, String defaultUser) {
        this.home = home;
        this.constellation = constellation;
        this.vm = vm;
        this.defaultUser = defaultUser == null ? "root" : defaultUser;
    }

    public String label() { return constellation + "/" + vm; }
    public String defaultUser() { return defaultUser; }
    public VmPaths paths() { return StateDir.of(home, constellation).vm(vm); }
    public Path keyDir() { return home.keys().resolve(constellation).resolve(vm); }

    /** The running VM's record; throws when it is not running. */
    public VmState state() {
        VmState s = VmState.read(paths().vmJson());
        if (s == null) {
            throw VmState.notRunning(constellation, vm, "stopped", null);
        }
        return s;
    }

    public SshTarget target(String user) {
        VmState s = state();
        return new SshTarget(label(), s.sshHost(), s.sshPort(), user, clientKey(), hostKey());
    }

    /** meros's private key for this VM (OpenSSH format). */
    public Path clientKey() { return keyDir().resolve("id_ed25519"); }

    /** The VM's host key recorded at build time (the only one a login accepts). */
    public Path hostKey() { return keyDir().resolve("ssh_host_ed25519_key.pub"); }

    /**
     * Prepares this JVM's first SSH login to the VM in the background ({@link SshAccess#warmUpInBackground}); does
     * not touch the VM. For a start that will log in as soon as the VM runs, such as a resume.
     */
    public void warmUpSsh() { SshAccess.warmUpInBackground(clientKey(), hostKey()); }

    /** The reused SSH connection for {@code user} (null: the VM's user). */
    public SshAccess ssh(String user) {
        String u = user == null ? defaultUser : user;
        return connections.computeIfAbsent(u, x -> new SshAccess(() -> target(x), CONNECT_TIMEOUT));
    }

    /**
     * Takes over an SSH connection that is already logged in as {@code user} (the one a readiness check made), so the
     * next command needs no login of its own; a connection this handle had for that user is closed.
     */
    public void adopt(String user, SshAccess connection) {
        SshAccess old = connections.put(user == null ? defaultUser : user, connection);
        if (old != null && old != connection) old.close();
    }

    public GuestAgent agent() {
        return GuestAgent.connect(paths().qga(), label(), Timeouts.AGENT_REPLY);
    }

    /**
     * Run when SSH cannot reach the guest, before the guest agent is tried: throws when the guest cannot answer at all
     * (its QEMU gone, its CPUs stopped), so the error says why instead of the agent's timeout. Does nothing unless set.
     */
    private volatile Runnable guestCheck = () -> { };

    /** Sets the check run before falling back from SSH to the guest agent (see {@link #guestCheck}). */
    public void guestCheck(Runnable check) { this.guestCheck = check; }

    private void say(Consumer<String> notice, SshAccess.Unreachable e) {
        guestCheck.run();
        notice.accept(e.getMessage() + "; using the QEMU guest agent instead");
    }

    /** Runs with SSH (live streams) or, when SSH cannot reach the guest, the guest agent (output at the end, as root). */
    public ExecResult run(String command, String user, OutputStream out, OutputStream err, Duration timeout, Consumer<String> notice) {
        try {
            return ssh(user).exec(command, out, err, timeout);
        } catch (SshAccess.Unreachable e) {
            say(notice, e);
            try (GuestAgent a = agent()) {
                String u = user == null ? defaultUser : user;
                String cmd = u.equals("root") ? command
                        : "exec su -s /bin/sh " + ShellQuote.quote(u) + " -c " + ShellQuote.quote(command);
                ExecResult r = a.exec(cmd, timeout);
                try {
                    if (out != null) { out.write(r.stdout().getBytes(StandardCharsets.UTF_8)); out.flush(); }
                    if (err != null) { err.write(r.stderr().getBytes(StandardCharsets.UTF_8)); err.flush(); }
                } catch (IOException io) {
                    throw MerosException.failed("cannot write output: " + IoErrors.message(io));
                }
                return r;
            }
        }
    }

    public void push(Path local, String remote, String user, TransferProgress progress, Consumer<String> notice) {
        String u = user == null ? defaultUser : user;
        try {
            SshAccess s = ssh(u);
            if (isSharedDefault(remote)) s.mkdirs(remote);
            s.push(local, remote, progress);
        } catch (SshAccess.Unreachable e) {
            say(notice, e);
            try (GuestAgent a = agent()) {
                if (isSharedDefault(remote)) a.check("mkdir -p " + ShellQuote.quote(a.absolute(remote, u))
                        + (u.equals("root") ? "" : " && chown " + ShellQuote.quote(u) + ": " + ShellQuote.quote(a.absolute(remote, u))));
                a.push(local, remote, u, progress);
            } catch (IOException io) {
                throw MerosException.failed("push " + local + " to " + label() + ":" + remote + " failed: " + IoErrors.reason(io, local));
            }
        }
    }

    public void pull(String remote, Path local, String user, TransferProgress progress, Consumer<String> notice) {
        String u = user == null ? defaultUser : user;
        try {
            ssh(u).pull(remote, local, progress);
        } catch (SshAccess.Unreachable e) {
            say(notice, e);
            try (GuestAgent a = agent()) {
                a.pull(remote, local, u, progress);
            } catch (IOException io) {
                throw MerosException.failed("pull " + label() + ":" + remote + " to " + local + " failed: " + IoErrors.reason(io, local));
            }
        }
    }

    /** The seed's shared folder in the user's home. */
    public static final String SHARED = "~/shared/";

    private static boolean isSharedDefault(String remote) { return remote.equals(SHARED); }

    /** Default local side of push/pull: {@code data/shared/<c>/<vm>/}. */
    public Path localShared() { return home.data().resolve("shared").resolve(constellation).resolve(vm); }

    /** Drops cached connections (e.g. after the VM restarted). */
    @Override
    public void close() {
        connections.values().forEach(SshAccess::close);
        connections.clear();
    }
}
