package meros.core.scenario;

import meros.core.base.IoErrors;
import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.proc.Processes;
import meros.core.qemu.Live;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.EventFollower;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.ssh.ShellQuote;
import meros.core.ssh.TransferProgress;
import meros.core.state.VmState;
import meros.core.wait.Condition;
import meros.core.wait.Deadline;
import meros.core.wait.Poll;
import meros.core.wait.Timeouts;
import meros.core.wait.Wait;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scenario API of one VM (what {@code meros.core.Machine} delegates to): commands with assertions,
 * waits with deadlines, file copies, and QMP actions. Commands run as root with the guest's {@code /bin/sh}.
 * Every wait that expires says what it waited for and shows the last lines of the VM's serial console.
 */
public final class MachineOps implements AutoCloseable {
    public static final Duration DEFAULT_WAIT = Timeouts.SCENARIO_WAIT;
    public static final Duration COMMAND_TIMEOUT = Timeouts.COMMAND;
    private static final int SERIAL_LINES = 15;

    private final MachineAccess access;
    private final Supplier<Vm> spec;
    private final Supplier<VmRuntime> runtime;
    private long consoleOffset;
    private EventFollower follower;

    public MachineOps(MachineAccess access, Supplier<Vm> spec, Supplier<VmRuntime> runtime) {
        this.access = access;
        this.spec = spec;
        this.runtime = runtime;
    }

    public MachineAccess access() { return access; }
    private String label() { return access.label(); }

    // ------------------------------------------------------------ commands

    /** Runs {@code cmd} as root; the status and both outputs, whatever the status. */
    public ExecResult execute(String cmd) {
        return access.run(cmd, "root", null, null, COMMAND_TIMEOUT, System.err::println);
    }

    /** Runs {@code cmd}, requires exit status 0, returns stdout. */
    public String succeed(String cmd) {
        ExecResult r = execute(cmd);
        if (!r.ok()) {
            throw new MerosException(ExitCode.FAILED, label() + ": command failed with " + r.describe() + ": "
                    + oneLine(cmd) + tail("stderr", r.stderr().isBlank() ? r.stdout() : r.stderr()));
        }
        return r.stdout();
    }

    /** Runs {@code cmd}, requires a non-zero status, returns stderr. */
    public String fail(String cmd) {
        ExecResult r = execute(cmd);
        if (r.ok()) {
            throw MerosException.failed(label() + ": command succeeded but was expected to fail: " + oneLine(cmd)
                    + tail("stdout", r.stdout()));
        }
        return r.stderr();
    }

    // ------------------------------------------------------------ waits

    /** Runs {@code cmd} with the time left before {@code d} as its limit (at least 1 ms). */
    private ExecResult execute(String cmd, Deadline d) {
        Duration left = d.remaining();
        return access.run(cmd, "root", null, null, left.isZero() ? Duration.ofMillis(1) : left, System.err::println);
    }

    private <T> Wait<T> waitFor(String what, Condition<T> c) {
        return Wait.until(what, c).subject(label()).every(Timeouts.GUEST_POLL)
                .footer(() -> "\nlast serial lines of " + label() + ":\n" + indent(lastSerialLines(SERIAL_LINES)));
    }

    /**
     * Retries {@code cmd} (about once a second) until it exits 0; returns its stdout.
     *
     * @param timeout the whole wait, each try included (a try is cut off at the deadline)
     * @throws meros.core.wait.WaitTimeout at the deadline, with the last try's status and output
     */
    public String waitUntilSucceeds(String cmd, Duration timeout) {
        return waitFor("'" + oneLine(cmd) + "' to succeed", d -> {
            ExecResult r = execute(cmd, d);
            return r.ok() ? Poll.done(r.stdout()) : Poll.pending(r.describe() + tail("output", r.stdout() + r.stderr()));
        }).await(timeout);
    }

    public String waitUntilSucceeds(String cmd) { return waitUntilSucceeds(cmd, DEFAULT_WAIT); }

    /** Retries {@code cmd} (about once a second) until it exits non-zero; returns its stderr. */
    public String waitUntilFails(String cmd, Duration timeout) {
        return waitFor("'" + oneLine(cmd) + "' to fail", d -> {
            ExecResult r = execute(cmd, d);
            return !r.ok() ? Poll.done(r.stderr()) : Poll.pending(r.describe() + tail("output", r.stdout()));
        }).await(timeout);
    }

    public String waitUntilFails(String cmd) { return waitUntilFails(cmd, DEFAULT_WAIT); }

    /** Waits until something in the guest listens on TCP {@code port} (read from /proc/net/tcp{,6}). */
    public void waitForOpenPort(int port, Duration timeout) {
        String hex = String.format("%04X", port);
        String cmd = "awk 'FNR>1 && $4==\"0A\" { n=split($2,a,\":\"); if (a[n]==\"" + hex + "\") f=1 } END { exit !f }' "
                + "/proc/net/tcp /proc/net/tcp6";
        waitFor("TCP port " + port + " to be listened on", d -> Poll.of(execute(cmd, d).ok(), "nothing listening"))
                .await(timeout);
    }

    public void waitForOpenPort(int port) { waitForOpenPort(port, DEFAULT_WAIT); }

    /**
     * Waits until the systemd unit is active. Ends at once, as the NixOS test driver does, when the unit cannot
     * become active by itself: it does not exist ({@code LoadState=not-found}, e.g. a typo) or cannot be loaded
     * ({@code masked}, {@code error}, {@code bad-setting}), it {@code failed}, or it is {@code inactive} while
     * systemd has no job queued at all (e.g. a oneshot unit that already ran).
     */
    public void waitForUnit(String unit, Duration timeout) {
        String q = ShellQuote.quote(unit);
        String cmd = "systemctl show -p LoadState -p ActiveState -p SubState -- " + q
                + "; echo \"Jobs=$(systemctl list-jobs --no-legend --full 2>/dev/null | wc -l)\"";
        waitFor("unit " + unit + " to be active", d -> {
            ExecResult r = execute(cmd, d);
            UnitState s = UnitState.parse(r.stdout());
            if (s.active().equals("failed")) {
                ExecResult st = execute("systemctl status --no-pager -n 10 -- " + q, d);
                return Poll.never("unit " + unit + " failed" + tail("systemctl status", st.stdout()));
            }
            return s.verdict(unit);
        }).await(timeout);
    }

    /** What {@code systemctl show} and {@code list-jobs} said about a unit. */
    record UnitState(String load, String active, String sub, int jobs) {
        static UnitState parse(String out) {
            String load = "", active = "", sub = "";
            int jobs = -1;
            for (String l : out.split("\n")) {
                int eq = l.indexOf('=');
                if (eq < 0) continue;
                String k = l.substring(0, eq).strip(), v = Text.printableLine(l.substring(eq + 1)).strip();
                switch (k) {
                    case "LoadState" -> load = v;
                    case "ActiveState" -> active = v;
                    case "SubState" -> sub = v;
                    case "Jobs" -> jobs = v.matches("\\d+") ? Integer.parseInt(v) : -1;
                    default -> { }
                }
            }
            return new UnitState(load, active, sub, jobs);
        }

        /**
         * Active: done. Not found or not loadable, or inactive with no job queued anywhere (the NixOS driver's
         * rule): never. {@code failed} is never too (the caller adds {@code systemctl status}). Else: not yet.
         */
        Poll<Void> verdict(String unit) {
            if (active.equals("active")) return Poll.done(null);
            if (load.equals("not-found")) return Poll.never("no unit " + unit + " in the guest (LoadState=not-found)");
            if (List.of("masked", "error", "bad-setting").contains(load)) {
                return Poll.never("unit " + unit + " cannot be started (LoadState=" + load + ")");
            }
            if (active.equals("failed")) return Poll.never("unit " + unit + " failed");
            if (active.equals("inactive") && jobs == 0) {
                return Poll.never("unit " + unit + " is inactive and systemd has no pending jobs (" + describe() + ")");
            }
            return Poll.pending(describe());
        }

        String describe() {
            if (active.isEmpty()) return "(no state)";
            return "ActiveState=" + active + (sub.isEmpty() ? "" : " SubState=" + sub) + " LoadState=" + load
                    + (jobs < 0 ? "" : ", " + jobs + " pending job" + (jobs == 1 ? "" : "s"));
        }
    }

    public void waitForUnit(String unit) { waitForUnit(unit, DEFAULT_WAIT); }

    /** Waits until {@code path} exists in the guest. */
    public void waitForFile(String path, Duration timeout) {
        String cmd = "test -e " + ShellQuote.quote(path);
        waitFor("file " + path + " to exist", d -> Poll.of(execute(cmd, d).ok(), "no such file")).await(timeout);
    }

    public void waitForFile(String path) { waitForFile(path, DEFAULT_WAIT); }

    /**
     * Waits until the serial console shows a match of {@code regex} after the previous match (the first call
     * searches from the start of the log); returns the matched text.
     */
    public synchronized String waitForConsoleText(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        return waitFor("console text /" + regex + "/", d -> {
            String log = serial();
            if (consoleOffset > log.length()) consoleOffset = 0; // a new log (VM restarted)
            Matcher m = p.matcher(log);
            if (m.find((int) consoleOffset)) {
                consoleOffset = m.end();
                return Poll.done(m.group());
            }
            return Poll.pending(null);
        }).every(Timeouts.CONSOLE_POLL).await(timeout);
    }

    public String waitForConsoleText(String regex) { return waitForConsoleText(regex, DEFAULT_WAIT); }

    // ------------------------------------------------------------ console

    /** The serial console log so far (empty if none yet). */
    public String serial() {
        Path f = access.paths().serial();
        try {
            return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw MerosException.failed("cannot read " + f + ": " + IoErrors.reason(e, f));
        }
    }

    /**
     * The last {@code n} non-blank lines of the serial console log as a terminal shows them ({@link Text#printable}:
     * no escape sequences or control characters), one per line; a note naming the log when it has none.
     */
    public String lastSerialLines(int n) {
        String[] raw = serial().split("\n");
        ArrayDeque<String> last = new ArrayDeque<>();
        for (int i = raw.length - 1; i >= 0 && last.size() < n; i--) { // from the end: a long log is not cleaned whole
            String l = Text.printable(raw[i]);
            if (!l.isBlank()) last.addFirst(l);
        }
        if (last.isEmpty()) return "(no serial output in " + access.paths().serial() + ")";
        return String.join("\n", last);
    }

    // ------------------------------------------------------------ files

    /** Copies a local file or directory to the guest as root, like {@code scp -rp}. */
    public void push(Path local, String remote) {
        access.push(local, remote, "root", TransferProgress.NONE, System.err::println);
    }

    /** Copies a guest file or directory to the host, like {@code scp -rp}. */
    public void pull(String remote, Path local) {
        access.pull(remote, local, "root", TransferProgress.NONE, System.err::println);
    }

    // ------------------------------------------------------------ QMP

    /**
     * One QMP command on the VM's monitor (a connection per call, so other meros processes are not blocked).
     * This handle's event view is opened first, so {@link #waitForEvent} sees the events the command causes.
     */
    public JsonNode qmp(String command, Map<String, ?> args) {
        VmRuntime r = runtime.get();
        if (!r.running()) throw r.notRunning(); // a clear "not running" first
        try {
            events();
        } catch (MerosException e) {
            // no event monitor (another process follows it): the command still runs; waitForEvent will say so
        }
        return r.qmp(command, args, Timeouts.QMP_REPLY);
    }

    public JsonNode qmp(String command) { return qmp(command, null); }

    /**
     * This handle's own view of the VM's QMP events, opened at the first QMP action, event wait or call of this
     * method, and re-opened (from the start of the new connection) after the VM restarted. Other followers
     * (the {@code events} command, other handles, crash notices) have their own views.
     */
    public synchronized EventFollower events() {
        if (follower != null && follower.isOpen()) return follower;
        boolean again = follower != null;
        if (follower != null) follower.close();
        QmpClient c = Live.events(runtime.get()); // throws "not running" for a VM without a live QEMU
        follower = again ? c.followFromStart() : c.follow();
        return follower;
    }

    /**
     * Waits for the next QMP event called {@code name} (e.g. {@code RESET}, {@code STOP}) in this handle's view:
     * one that came after the handle's first QMP action counts even if it came before this call. Events of
     * other names before it are taken from this view (no other follower loses them).
     *
     * @throws meros.core.wait.WaitTimeout at the deadline, naming the other events seen
     * @throws meros.core.wait.WaitFailed  when QEMU went away first
     */
    public QmpEvent waitForEvent(String name, Duration timeout) {
        EventFollower f = events();
        List<String> seen = new ArrayList<>();
        return waitFor("QMP event " + name, d -> {
            QmpEvent e = f.next(d);
            if (e != null) {
                if (e.name().equals(name)) return Poll.done(e);
                seen.add(e.name());
            } else if (!f.isOpen()) {
                return Poll.never("QMP event connection ended before " + name + " came (" + f.closeReason() + ")");
            }
            return Poll.pending(seen.isEmpty() ? "no events" : "other events: " + String.join(", ", seen));
        }).every(Duration.ZERO).retryOn(x -> false).await(timeout);
    }

    /**
     * Writes the VM's display to {@code file} (QMP {@code screendump}): PPM when the name ends in {@code .ppm},
     * else PNG. The file is written by QEMU, so its directory must be writable by QEMU's user.
     */
    public void screendump(Path file) {
        Path abs = file.toAbsolutePath();
        boolean ppm = abs.getFileName().toString().toLowerCase().endsWith(".ppm");
        qmp("screendump", ppm ? Map.of("filename", abs.toString()) : Map.of("filename", abs.toString(), "format", "png"));
        if (!Files.exists(abs)) throw MerosException.failed(label() + ": screendump wrote no " + abs);
    }

    /** Cuts the VM's manifest NICs (QMP {@code set_link} down); the management NIC stays up. */
    public void block() { setLinks(false); }

    public void unblock() { setLinks(true); }

    private void setLinks(boolean up) {
        List<Nic> nics = spec.get().networks();
        if (nics.isEmpty()) throw MerosException.failed(label() + " has no manifest NICs to " + (up ? "unblock" : "block"));
        for (Nic n : nics) qmp("set_link", Map.of("name", n.label(), "up", up));
    }

    /** Kills QEMU at once (SIGKILL): no shutdown, no sync, like pulling the plug. */
    public void crash() {
        VmRuntime r = runtime.get();
        // the live QEMU (its command line names this VM's QMP socket), not just the pid vm.json recorded: that
        // process may be gone, or the pid taken by another one
        OptionalLong pid = r.livePid();
        if (pid.isEmpty()) {
            throw r.notRunning("there is no QEMU to crash");
        }
        access.close();
        ProcessHandle.of(pid.getAsLong()).ifPresent(h -> {
            h.destroyForcibly();
            if (!Processes.awaitEnd(h, VmRuntime.KILL_WAIT)) throw MerosException.failed(label() + ": QEMU (pid " + h.pid() + ") survived SIGKILL");
        });
    }

    /** Reboots the guest cleanly ({@code systemctl reboot}) and returns when it answers again with a new boot id. */
    public void reboot(Duration timeout) {
        String bootId = succeed("cat /proc/sys/kernel/random/boot_id").strip();
        try {
            events();
        } catch (MerosException e) {
            // no event monitor: the reboot itself does not need one
        }
        execute("(sleep 1; systemctl reboot) >/dev/null 2>&1 </dev/null &");
        access.close();
        waitUntilSucceeds("test \"$(cat /proc/sys/kernel/random/boot_id)\" != " + ShellQuote.quote(bootId), timeout);
    }

    public void reboot() { reboot(Duration.ofSeconds(Math.max(Timeouts.REBOOT.toSeconds(), spec.get().bootTimeoutSeconds()))); }

    // ------------------------------------------------------------ helpers

    static String oneLine(String s) {
        String l = s.strip().replace('\n', ' ');
        return Text.shorten(l, 80);
    }

    /** The last 10 lines of guest output {@code text}, printable, under a heading; empty when there is none. */
    static String tail(String what, String text) {
        String t = Text.printable(text);
        if (t == null || t.isBlank()) return "";
        String[] lines = t.strip().split("\n");
        List<String> last = new ArrayList<>(List.of(lines).subList(Math.max(0, lines.length - 10), lines.length));
        return "\n" + what + ":\n" + indent(String.join("\n", last));
    }

    private static String indent(String s) { return "  " + s.replace("\n", "\n  "); }

    @Override
    public synchronized void close() {
        if (follower != null) follower.close();
        follower = null;
        access.close();
    }
}
