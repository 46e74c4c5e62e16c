package meros.core;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.manifest.Forward;
import meros.core.manifest.Vm;
import meros.core.qemu.Forwards;
import meros.core.qemu.Live;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.EventFollower;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;
import meros.core.scenario.MachineOps;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.wait.Timeouts;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

    // ------------------------------------------------------------ state and QMP

    /**
     * The VM's state: what QMP {@code query-status} says ({@code running}, {@code paused}, {@code shutdown},
     * ...) or, without a live QEMU, {@code stopped} (never started or cleanly shut down), {@code crashed},
     * {@code shut down} (the guest powered off) or {@code unreachable} (QEMU alive, QMP silent). Blocks at most
     * about 3 s (one QMP round trip); never throws for a VM that is not running.
     */
    public String status() { return plumbing().runtime().status().state(); }

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
     * (with a {@code name} of letters, digits, {@code _ . -}) or {@code list}; returns QEMU's text (the table for
     * {@code list}). Blocks until QEMU finishes, at most 10 min (saving copies the guest's RAM).
     *
     * @throws MerosException a bad action or name, or QEMU's error text
     */
    public String snapshot(String action, String name) { return Live.snapshot(plumbing().runtime(), action, name); }

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

    // ------------------------------------------------------------ files

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
            java.nio.file.Files.createDirectories(targetDir);
        } catch (java.io.IOException e) {
            throw MerosException.failed("cannot create " + targetDir + ": " + e.getMessage());
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
            ops = new MachineOps(new MachineAccess(constellation.meros().home(), constellation.name(), name,
                    v == null ? null : v.user()), () -> plumbing().spec(), () -> plumbing().runtime());
        }
        return ops;
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
