package meros.core;

import meros.core.base.IoErrors;
import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.MerosException;
import meros.core.manifest.Forward;
import meros.core.manifest.Vm;
import meros.core.lifecycle.ResumedGuest;
import meros.core.qemu.Forwards;
import meros.core.qemu.Live;
import meros.core.qemu.RunState;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.EventFollower;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;
import meros.core.scenario.MachineOps;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.ssh.SshAccess;
import meros.core.ssh.TerminalAccess;
import meros.core.ssh.TransferProgress;
import meros.core.ssh.WaypipeRun;
import meros.core.qemu.LiveEvents;
import meros.core.wait.Timeouts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One VM of a constellation, as commands, the shell's Java lines and {@code .jsh} scripts see it: the verbs of
 * the NixOS test driver in Java case ({@code succeed}, {@code waitForUnit}, ...) plus QMP actions. Any meros
 * process can use any VM: the handle finds the running QEMU through {@code data/state/<c>/<vm>/}.
 * <p>
 * Guest commands run as root with the guest's {@code /bin/sh -c} over SSH (the guest agent when SSH cannot reach
 * the guest). Every wait has a deadline (default {@link Timeouts#SCENARIO_WAIT}, 120 s), ends at once in a
 * state that cannot change by itself, and on expiry says what it waited for, for how long and what it saw last,
 * followed by the last serial lines. Failures are {@link MerosException}s with one-line messages (plus context
 * lines). The handle keeps an SSH connection and an event view open: {@link #close()} them (the shell and
 * scripts do when they end; {@code Constellation} does for VMs dropped from the manifest).
 * <p>
 * The parts beneath the verbs (QEMU process, access, event connection, manifest entry) are behind
 * {@link #plumbing()}.
 */
public final class Machine implements AutoCloseable {
    private final Constellation constellation;
    private final String name;
    private MachineOps ops;

    Machine(Constellation constellation, String name) {
        this.constellation = constellation;
        this.name = name;
    }

    /** The VM's name in the manifest. */
    public String name() { return name; }

    /** The constellation this VM belongs to. */
    public Constellation constellation() { return constellation; }

    /** {@code <constellation>/<vm>}, as messages name the VM. */
    public String label() { return constellation.name() + "/" + name; }

    // ------------------------------------------------------------ state and QMP

    /**
     * The VM's state: what QMP {@code query-status} says ({@link RunState#RUNNING}, {@link RunState#PAUSED},
     * {@link RunState#SHUTDOWN}, ...) or, without a live QEMU, {@link RunState#STOPPED} (never started or cleanly
     * shut down), {@link RunState#CRASHED}, {@link RunState#SHUT_DOWN} (the guest powered off) or
     * {@link RunState#UNREACHABLE} (QEMU alive, QMP silent); prints as {@code running}, {@code shut down}, ...
     * Blocks at most {@link Timeouts#QMP_STATUS} (3 s, one QMP round trip); never throws for a VM that is not running.
     */
    public RunState status() { return plumbing().runtime().status().state(); }

    /** The pid of the VM's running QEMU, or empty when it is not running. Reads the pidfile; never blocks. */
    public OptionalLong pid() { return plumbing().runtime().livePid(); }

    /**
     * Opens this process's event connection to the running VM, so that the listeners added with
     * {@link Meros#addCrashListener} hear when its QEMU goes away. Returns false, doing nothing, when the VM is not
     * running. Blocks for the connection, at most {@link Timeouts#QMP_CONNECT} (10 s).
     *
     * @throws MerosException another process holds the VM's event monitor (QEMU serves one client per monitor)
     */
    public boolean watch() {
        VmRuntime r = plumbing().runtime();
        if (!r.running()) return false;
        LiveEvents.of(r);
        return true;
    }

    /** Closes the event connection {@link #watch()} opened (no crash notices for this VM any more). Never blocks. */
    public void unwatch() { LiveEvents.close(plumbing().runtime()); }

    /**
     * Runs a QMP command and returns its {@code return} member, e.g. {@code vm.qmp("query-status")}.
     * Opens this handle's event view first, so {@link #waitForEvent} sees the events the command causes.
     * Blocks until QEMU replies, at most {@link Timeouts#QMP_REPLY} (10 s).
     *
     * @throws MerosException the VM is not running, no reply in time
     * @throws meros.core.qmp.QmpError QEMU answered with an error (its class and description)
     */
    public JsonNode qmp(String command) { return qmp(command, null); }

    /** {@link #qmp(String)} with arguments, e.g. {@code vm.qmp("set_link", Map.of("name", "net0", "up", false))}. */
    public JsonNode qmp(String command, Map<String, ?> args) { return ops().qmp(command, args); }

    /** Pauses the VM's CPUs (QMP {@code stop}); a {@code STOP} event follows. Blocks for one QMP round trip. */
    public void pause() { qmp("stop"); }

    /** Resumes the VM's CPUs (QMP {@code cont}); a {@code RESUME} event follows. Blocks for one QMP round trip. */
    public void resume() { qmp("cont"); }

    /**
     * This handle's own view of the VM's QMP events ({@code STOP}, {@code RESUME}, {@code SHUTDOWN}, ...) since the
     * handle's first QMP action: take them with {@code next(Duration)}, {@code poll()} or {@code drain()}. Other
     * followers (the {@code events} command, crash notices, other handles) have their own views.
     *
     * @throws MerosException the VM is not running, or another process holds its event monitor
     */
    public EventFollower events() { return ops().events(); }

    /**
     * Forwards TCP {@code 127.0.0.1:hostPort} on the host to {@code guestPort} in this running VM until it shuts down
     * (user-mode networking: QMP {@code hostfwd_add}; bridged: a DNAT rule in the constellation's nftables table).
     *
     * @param hostPort  1..65535, not bound on the host nor forwarded by another VM
     * @param guestPort 1..65535
     * @throws MerosException usage error when a port is out of range or taken (the owner named); failed when the VM
     *                        is not running; external-program error when QEMU or nft refuses
     */
    public void forwardPort(int hostPort, int guestPort) {
        Forward f;
        try {
            f = Forward.parse(hostPort + ":" + guestPort);
        } catch (IllegalArgumentException e) {
            throw MerosException.usage(e.getMessage());
        }
        forwardPort(f);
    }

    /** As {@link #forwardPort(int, int)}, for any protocol and host address. */
    public void forwardPort(Forward f) {
        Forwards.addLive(constellation.meros().home(), constellation.name(), plumbing().runtime(), f);
    }

    /**
     * A new, separate view of the VM's events from now on, for a follower that is not this handle (e.g. the
     * {@code events} command). Close it when done.
     */
    public EventFollower follow() {
        return Live.events(plumbing().runtime()).follow();
    }

    /**
     * Waits for the next QMP event called {@code name} in this handle's view: an event that came after the
     * handle's first QMP action counts even if it came before this call ({@code vm.pause();
     * vm.waitForEvent("STOP", ...)} cannot miss it).
     *
     * @param timeout the whole wait
     * @throws meros.core.wait.WaitTimeout at the deadline, naming the other events seen
     * @throws meros.core.wait.WaitFailed  QEMU went away first
     */
    public QmpEvent waitForEvent(String name, Duration timeout) { return ops().waitForEvent(name, timeout); }

    /** QMP command names this VM's QEMU supports ({@code query-commands}), sorted. Blocks up to 30 s. */
    public List<String> qmpCommands() { return Live.commands(plumbing().runtime()); }

    /**
     * Writes the VM's display to {@code file}: PPM when the name ends in {@code .ppm}, else PNG (QMP
     * {@code screendump}). QEMU writes the file, so its directory must be writable by QEMU's user.
     *
     * @throws MerosException the VM is not running, or QEMU wrote no file
     */
    public void screendump(Path file) { ops().screendump(file); }

    /** The NixOS test driver's name for {@link #screendump}. */
    public void screenshot(Path file) { screendump(file); }

    /**
     * Internal snapshots in the VM's overlay: {@code action} is {@code save}, {@code load}, {@code delete}
     * (with a {@code name} of letters, digits, {@code _ . -}, not {@code .} or {@code ..}, at most 255 characters,
     * and for a save not the name of a VM of the constellation) or {@code list}; returns QEMU's text (the table for
     * {@code list}). After a load the guest's clock, which is the snapshot's, is set to the host's through the guest
     * agent ({@link ResumedGuest#setClock}), as after a whole-constellation load; a load returns "" when it was set,
     * else why not (the VM stays usable). Blocks until QEMU finishes, at most 10 min (saving copies the guest's RAM),
     * and a load for the clock at most about 20 s more.
     *
     * @throws MerosException a bad action or name, or QEMU's error text
     */
    public String snapshot(String action, String name) {
        if ("save".equals(action)) Live.requireNewName(name, constellation.name(), constellation.manifest().vmNames());
        VmRuntime r = plumbing().runtime();
        String text = Live.snapshot(r, action, name);
        if (!"load".equals(action)) return text;
        String clock = ResumedGuest.setClock(r);
        return clock == null ? "" : clock;
    }

    // ------------------------------------------------------------ guest commands

    /**
     * Runs {@code cmd} as root with {@code /bin/sh -c}; returns its exit status and both outputs, whatever the
     * status. Returns when the shell exits: a process it leaves in the background ({@code cmd &}) keeps running,
     * and output it writes within {@link Timeouts#EXIT_OUTPUT_GRACE} (1 s) after the exit is still captured.
     *
     * @throws MerosException after {@link Timeouts#COMMAND} (10 min) with the command killed; the VM is not
     *                        running or reachable neither over SSH nor through the guest agent
     */
    public ExecResult execute(String cmd) { return ops().execute(cmd); }

    /**
     * Runs {@code cmd} like {@link #execute} and requires exit status 0; returns its stdout.
     *
     * @throws MerosException another status (the message has the status, the command and stderr's last lines)
     */
    public String succeed(String cmd) { return ops().succeed(cmd); }

    /**
     * Runs {@code cmd} like {@link #execute} and requires a non-zero exit status; returns its stderr.
     *
     * @throws MerosException status 0 (the message has the command and stdout's last lines)
     */
    public String fail(String cmd) { return ops().fail(cmd); }

    /** {@link #waitUntilSucceeds(String, Duration)} with the default 120 s. */
    public String waitUntilSucceeds(String cmd) { return ops().waitUntilSucceeds(cmd); }

    /**
     * Runs {@code cmd} about once a second until it exits 0; returns that run's stdout.
     *
     * @param timeout the whole wait; a run still going at the deadline is cut off
     * @throws meros.core.wait.WaitTimeout at the deadline, with the last run's status and output
     */
    public String waitUntilSucceeds(String cmd, Duration timeout) { return ops().waitUntilSucceeds(cmd, timeout); }

    /** {@link #waitUntilFails(String, Duration)} with the default 120 s. */
    public String waitUntilFails(String cmd) { return ops().waitUntilFails(cmd); }

    /**
     * Runs {@code cmd} about once a second until it exits non-zero; returns that run's stderr.
     *
     * @throws meros.core.wait.WaitTimeout at the deadline, with the last run's output
     */
    public String waitUntilFails(String cmd, Duration timeout) { return ops().waitUntilFails(cmd, timeout); }

    /** {@link #waitForOpenPort(int, Duration)} with the default 120 s. */
    public void waitForOpenPort(int port) { ops().waitForOpenPort(port); }

    /**
     * Waits until a process in the guest listens on TCP {@code port} (IPv4 or IPv6), checked about once a second.
     *
     * @throws meros.core.wait.WaitTimeout at the deadline
     */
    public void waitForOpenPort(int port, Duration timeout) { ops().waitForOpenPort(port, timeout); }

    /** {@link #waitForUnit(String, Duration)} with the default 120 s. */
    public void waitForUnit(String unit) { ops().waitForUnit(unit); }

    /**
     * Waits until the systemd unit is {@code active}, checked about once a second. Ends at once, as the NixOS
     * test driver does, when the unit cannot get there by itself: it does not exist ({@code LoadState=not-found},
     * e.g. a typo) or cannot be loaded, it {@code failed} (with {@code systemctl status}), or it is inactive while
     * systemd has no job queued (e.g. a oneshot unit that already ran).
     *
     * @throws meros.core.wait.WaitFailed  one of those states, naming the unit
     * @throws meros.core.wait.WaitTimeout at the deadline, with the unit's last states
     */
    public void waitForUnit(String unit, Duration timeout) { ops().waitForUnit(unit, timeout); }

    /** {@link #waitForFile(String, Duration)} with the default 120 s. */
    public void waitForFile(String path) { ops().waitForFile(path); }

    /**
     * Waits until {@code path} exists in the guest ({@code test -e}), checked about once a second.
     *
     * @throws meros.core.wait.WaitTimeout at the deadline
     */
    public void waitForFile(String path, Duration timeout) { ops().waitForFile(path, timeout); }

    /** {@link #waitForConsoleText(String, Duration)} with the default 120 s. */
    public String waitForConsoleText(String regex) { return ops().waitForConsoleText(regex); }

    /**
     * Waits until the serial console log shows a match of {@code regex} (multi-line mode) after this handle's
     * previous match, checked every 200 ms; returns the matched text. The first call searches from the start of
     * the log, and a new log (VM restarted) starts over.
     *
     * @throws meros.core.wait.WaitTimeout at the deadline, with the last serial lines
     */
    public String waitForConsoleText(String regex, Duration timeout) { return ops().waitForConsoleText(regex, timeout); }

    /** The serial console log so far (empty before the first start). Never blocks. */
    public String serial() { return ops().serial(); }

    /**
     * Runs {@code command} with the guest's {@code /bin/sh -c} as {@code user}, streaming its output as it comes
     * (the {@code run} command). Returns when the remote shell exits, its status included whatever it is; a
     * status of null means the command was cut off ({@link ExecResult#describe()} says why). When SSH cannot reach
     * the guest at all it runs through the guest agent instead (output at the end) and tells {@code notice} so.
     *
     * @param user   the login user; null: the VM's {@code user} from the manifest (root when it names none)
     * @param out    the command's stdout, or null to drop it
     * @param err    the command's stderr, or null to drop it
     * @param notice hears one line when meros falls back to the guest agent
     * @throws MerosException the VM is not running, or reachable neither over SSH nor through the agent;
     *                        after {@link Timeouts#INTERACTIVE_COMMAND} (1 day)
     */
    public ExecResult run(String command, String user, OutputStream out, OutputStream err, Consumer<String> notice) {
        return ops().access().run(command, user, out, err, Timeouts.INTERACTIVE_COMMAND, notice);
    }

    /**
     * As {@link #run}, with the program's Wayland windows shown on this host's display: waypipe on both ends,
     * its socket forwarded over the handle's SSH connection ({@code run --gui}). Blocks until the command exits.
     *
     * @throws MerosException missing-tool error when this host has no Wayland display ({@code WAYLAND_DISPLAY})
     *                        or no {@code waypipe}; the VM is not running or not reachable over SSH
     */
    public ExecResult runGui(String command, String user, OutputStream out, OutputStream err) {
        return WaypipeRun.run(ops().access().ssh(user), command, out, err);
    }

    /**
     * An interactive login shell as {@code user} (null: the VM's user) on {@code terminal}, over SSH with a PTY
     * sized like the terminal (the {@code connect} command). Blocks until the shell exits; returns its status.
     *
     * @throws MerosException the VM is not running or not reachable over SSH
     */
    public ExecResult login(String user, TerminalAccess terminal) {
        return ops().access().ssh(user).shell(terminal);
    }

    // ------------------------------------------------------------ files

    /** Where {@link #push} puts files in the guest by default: {@code ~/shared/} of the login user. */
    public static final String GUEST_SHARED = MachineAccess.SHARED;

    /** Where {@link #pull} puts files on the host by default: {@code data/shared/<c>/<vm>/}. */
    public Path sharedDir() { return ops().access().localShared(); }

    /**
     * Copies a local file or directory (recursively, keeping modes) into the guest as {@code user} over SFTP (the
     * {@code push} command); {@link #GUEST_SHARED} is created when missing. Through the guest agent when SSH cannot
     * reach the guest, and {@code notice} hears so. Blocks until copied.
     *
     * @param user     the login user; null: the VM's user
     * @param progress hears bytes and files as they go ({@link TransferProgress#NONE}: nothing)
     * @throws MerosException {@code local} does not exist, the VM is not running, the copy failed
     */
    public void push(Path local, String remote, String user, TransferProgress progress, Consumer<String> notice) {
        ops().access().push(local, remote, user, progress, notice);
    }

    /**
     * Copies a guest file or directory (recursively, keeping modes) to the host as {@code user} over SFTP (the
     * {@code pull} command); returns where it went. Through the guest agent when SSH cannot reach the guest.
     * Blocks until copied.
     *
     * @param local where to put it; null: {@link #sharedDir()}, created when missing
     * @throws MerosException no such remote file, the VM is not running, the copy failed
     */
    public Path pull(String remote, Path local, String user, TransferProgress progress, Consumer<String> notice) {
        Path dest = local;
        if (dest == null) {
            ops().access().state(); // a VM that is not running is refused before its shared directory is made
            dest = sharedDir();
            try {
                Files.createDirectories(dest);
            } catch (IOException e) {
                throw MerosException.failed("cannot create " + dest + ": " + IoErrors.reason(e, dest));
            }
        }
        ops().access().pull(remote, dest, user, progress, notice);
        return dest;
    }

    /**
     * Copies a local file or directory (recursively, with modes and times) into the guest as root, like
     * {@code scp -rp}: into {@code remote} when it is an existing directory, else as {@code remote}. SFTP over the
     * handle's SSH connection; the guest agent when SSH cannot reach the guest. Blocks until copied.
     *
     * @throws MerosException {@code local} does not exist, the copy failed
     */
    public void push(Path local, String remote) { ops().push(local, remote); }

    /**
     * Copies a guest file or directory (recursively, with modes and times) to {@code local} on the host, like
     * {@code scp -rp}. Blocks until copied.
     *
     * @throws MerosException no such remote file, the copy failed
     */
    public void pull(String remote, Path local) { ops().pull(remote, local); }

    /** The NixOS test driver's name for {@link #push}: {@code copyFromHost(source, target)}. */
    public void copyFromHost(Path source, String target) { push(source, target); }

    /**
     * The NixOS test driver's {@code copy_from_vm}: copies {@code source} from the guest into the host directory
     * {@code targetDir} (created when missing), keeping its file name.
     */
    public void copyFromVm(String source, Path targetDir) {
        String base = Path.of(source.replaceAll("/+$", "")).getFileName().toString();
        try {
            Files.createDirectories(targetDir);
        } catch (IOException e) {
            throw MerosException.failed("cannot create " + targetDir + ": " + IoErrors.reason(e, targetDir));
        }
        pull(source, targetDir.resolve(base));
    }

    // ------------------------------------------------------------ faults

    /** Cuts every manifest NIC of the VM (QMP {@code set_link} down); the management NIC stays up. */
    public void block() { ops().block(); }

    /** Reconnects every manifest NIC of the VM (QMP {@code set_link} up). */
    public void unblock() { ops().unblock(); }

    /**
     * Kills QEMU at once (SIGKILL): no shutdown, no sync, like pulling the plug. Blocks until it is gone, at most
     * {@link Timeouts#PROCESS_GONE} (10 s).
     *
     * @throws MerosException the VM is not running, or QEMU survived SIGKILL
     */
    public void crash() { ops().crash(); }

    /** {@link #reboot(Duration)} with the larger of 120 s and the VM's boot timeout. */
    public void reboot() { ops().reboot(); }

    /**
     * Reboots the guest cleanly ({@code systemctl reboot}) and returns when it runs commands again with a new
     * boot id.
     *
     * @throws meros.core.wait.WaitTimeout it did not come back within {@code timeout}
     */
    public void reboot(Duration timeout) { ops().reboot(timeout); }

    // ------------------------------------------------------------ plumbing and lifecycle

    /**
     * The parts beneath the verbs, for commands and tools that need them: the QEMU process, SSH/agent access,
     * the scenario operations, the shared event connection and the manifest entry.
     */
    public Plumbing plumbing() { return new Plumbing(); }

    /** The parts beneath a {@link Machine}'s verbs. */
    public final class Plumbing {
        private Plumbing() { }

        /** The VM's manifest entry (re-read with the manifest), or null when the manifest dropped it. */
        public Vm spec() { return constellation.manifest().vms().get(name); }

        /** The VM's QEMU process: find, start, stop, status, short-lived QMP connections. */
        public VmRuntime runtime() {
            Vm v = spec();
            if (v == null) throw MerosException.usage("no vm '" + name + "' in " + constellation.name() + " any more");
            return new VmRuntime(constellation.meros().home(), constellation.name(), v);
        }

        /** The handle's scenario operations (one per handle; its SSH connections are reused). */
        public MachineOps ops() { return Machine.this.ops(); }

        /** SSH and guest-agent access to the VM (the handle's connections). */
        public MachineAccess access() { return ops().access(); }

        /** This process's event connection to the VM (shared by all followers); take events through a follower. */
        public QmpClient eventClient() { return Live.events(runtime()); }
    }

    private synchronized MachineOps ops() {
        if (ops == null) {
            Vm v = plumbing().spec();
            MachineAccess access = new MachineAccess(constellation.meros().home(), constellation.name(), name, v == null ? null : v.user());
            access.guestCheck(() -> plumbing().runtime().requireGuestRunning());
            ops = new MachineOps(access, () -> plumbing().spec(), () -> plumbing().runtime());
        }
        return ops;
    }

    /** Takes over the logged-in SSH connection a readiness check made as {@code user} (see {@link MachineAccess#adopt}). */
    synchronized void adoptConnection(String user, SshAccess connection) {
        ops().access().adopt(user, connection);
    }

    /**
     * Closes the handle's SSH connections and its event view. The VM keeps running; the handle can be used again
     * (it reconnects).
     */
    @Override
    public synchronized void close() {
        if (ops != null) ops.close();
        ops = null;
    }

    @Override
    public String toString() { return "vm " + constellation.name() + "/" + name; }
}
