package meros.core.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.ExitCode;
import meros.core.MerosException;
import meros.core.Text;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.qemu.Live;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.ssh.ShellQuote;
import meros.core.ssh.TransferProgress;
import meros.core.state.VmState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scenario API of one VM (what {@code meros.core.Machine} delegates to): commands with assertions,
 * waits with deadlines, file copies, and QMP actions. Commands run as root with the guest's {@code /bin/sh}.
 * Every wait that expires says what it waited for and shows the last lines of the VM's serial console.
 */
public final class MachineOps implements AutoCloseable {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);
    public static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);
    private static final int SERIAL_LINES = 15;

    private final MachineAccess access;
    private final Supplier<Vm> spec;
    private final Supplier<VmRuntime> runtime;
    private long consoleOffset;

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

    /** Retries {@code cmd} (about once a second) until it exits 0; returns its stdout. */
    public String waitUntilSucceeds(String cmd, Duration timeout) {
        ExecResult[] last = new ExecResult[1];
        poll("'" + oneLine(cmd) + "' to succeed", timeout, Duration.ofSeconds(1), () -> {
            last[0] = execute(cmd);
            return last[0].ok();
        }, () -> last[0] == null ? "" : "; last try: " + last[0].describe() + tail("output", last[0].stdout() + last[0].stderr()));
        return last[0].stdout();
    }

    public String waitUntilSucceeds(String cmd) { return waitUntilSucceeds(cmd, DEFAULT_WAIT); }

    /** Retries {@code cmd} until it exits non-zero; returns its stderr. */
    public String waitUntilFails(String cmd, Duration timeout) {
        ExecResult[] last = new ExecResult[1];
        poll("'" + oneLine(cmd) + "' to fail", timeout, Duration.ofSeconds(1), () -> {
            last[0] = execute(cmd);
            return !last[0].ok();
        }, () -> last[0] == null ? "" : "; last try: " + last[0].describe() + tail("output", last[0].stdout()));
        return last[0].stderr();
    }

    public String waitUntilFails(String cmd) { return waitUntilFails(cmd, DEFAULT_WAIT); }

    /** Waits until something in the guest listens on TCP {@code port} (read from /proc/net/tcp{,6}). */
    public void waitForOpenPort(int port, Duration timeout) {
        String hex = String.format("%04X", port);
        String cmd = "awk 'FNR>1 && $4==\"0A\" { n=split($2,a,\":\"); if (a[n]==\"" + hex + "\") f=1 } END { exit !f }' "
                + "/proc/net/tcp /proc/net/tcp6";
        poll("TCP port " + port + " to be listened on", timeout, Duration.ofSeconds(1), () -> execute(cmd).ok(), () -> "");
    }

    public void waitForOpenPort(int port) { waitForOpenPort(port, DEFAULT_WAIT); }

    /** Waits until the systemd unit is active; fails at once when it is {@code failed}. */
    public void waitForUnit(String unit, Duration timeout) {
        String q = ShellQuote.quote(unit);
        String[] state = {""};
        poll("unit " + unit + " to be active", timeout, Duration.ofSeconds(1), () -> {
            ExecResult r = execute("systemctl show -p ActiveState --value " + q);
            state[0] = r.stdout().strip();
            if (state[0].equals("failed")) {
                ExecResult st = execute("systemctl status --no-pager -n 10 " + q);
                throw new FailFast(label() + ": unit " + unit + " failed" + tail("systemctl status", st.stdout()));
            }
            return state[0].equals("active");
        }, () -> "; its state: " + (state[0].isEmpty() ? "(unknown)" : state[0]));
    }

    public void waitForUnit(String unit) { waitForUnit(unit, DEFAULT_WAIT); }

    public void waitForFile(String path, Duration timeout) {
        String cmd = "test -e " + ShellQuote.quote(path);
        poll("file " + path + " to exist", timeout, Duration.ofSeconds(1), () -> execute(cmd).ok(), () -> "");
    }

    public void waitForFile(String path) { waitForFile(path, DEFAULT_WAIT); }

    /**
     * Waits until the serial console shows a match of {@code regex} after the previous match (the first call
     * searches from the start of the log); returns the matched text.
     */
    public synchronized String waitForConsoleText(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        String[] found = {null};
        poll("console text /" + regex + "/", timeout, Duration.ofMillis(200), () -> {
            String log = serial();
            if (consoleOffset > log.length()) consoleOffset = 0; // a new log (VM restarted)
            Matcher m = p.matcher(log);
            if (m.find((int) consoleOffset)) {
                found[0] = m.group();
                consoleOffset = m.end();
                return true;
            }
            return false;
        }, () -> "");
        return found[0];
    }

    public String waitForConsoleText(String regex) { return waitForConsoleText(regex, DEFAULT_WAIT); }

    interface Check { boolean test() throws Exception; }

    /** A wait that cannot succeed any more (a failed unit): ends the wait at once. */
    static final class FailFast extends MerosException {
        FailFast(String message) { super(ExitCode.FAILED, message); }
    }

    private void poll(String what, Duration timeout, Duration every, Check check, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (check.test()) return;
            } catch (FailFast e) {
                throw e;
            } catch (MerosException e) {
                // e.g. not reachable yet: keep trying until the deadline
                if (e.exitCode() == ExitCode.INTERRUPTED) throw e;
                if (System.nanoTime() > deadline) throw expired(what, timeout, "; last error: " + e.getMessage());
            } catch (Exception e) {
                throw MerosException.failed(label() + ": waiting for " + what + ": " + e);
            }
            if (System.nanoTime() > deadline) throw expired(what, timeout, detail.get());
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted while waiting for " + what + " on " + label());
            }
        }
    }

    private MerosException expired(String what, Duration timeout, String detail) {
        return MerosException.failed(label() + ": gave up after " + timeout.toSeconds() + " s waiting for " + what + detail
                + "\nlast serial lines of " + label() + ":\n" + indent(lastSerialLines(SERIAL_LINES)));
    }

    // ------------------------------------------------------------ console

    /** The serial console log so far (empty if none yet). */
    public String serial() {
        Path f = access.paths().serial();
        try {
            return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw MerosException.failed("cannot read " + f + ": " + e.getMessage());
        }
    }

    public String lastSerialLines(int n) {
        String s = serial().replace("\r", "");
        if (s.isBlank()) return "(no serial output in " + access.paths().serial() + ")";
        String[] lines = s.strip().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }

    // ------------------------------------------------------------ files

    public void copyTo(Path local, String remote) {
        access.push(local, remote, "root", TransferProgress.NONE, System.err::println);
    }

    public void copyFrom(String remote, Path local) {
        access.pull(remote, local, "root", TransferProgress.NONE, System.err::println);
    }

    // ------------------------------------------------------------ QMP

    /** One QMP command on the VM's monitor (a connection per call, so other meros processes are not blocked). */
    public JsonNode qmp(String command, Map<String, ?> args) {
        access.state(); // a clear "not running" first
        listenForEvents();
        return runtime.get().qmp(command, args, QmpClient.DEFAULT_TIMEOUT);
    }

    /**
     * Opens the VM's event monitor (once per process) so that events caused by what follows are queued and
     * a later {@link #waitForEvent} sees them.
     */
    private void listenForEvents() {
        try {
            Live.events(runtime.get());
        } catch (RuntimeException e) {
            // no event monitor: waitForEvent will say so
        }
    }

    public JsonNode qmp(String command) { return qmp(command, null); }

    /** Waits for the next QMP event called {@code name} (e.g. {@code RESET}, {@code STOP}). */
    public QmpEvent waitForEvent(String name, Duration timeout) {
        try {
            access.state();
            QmpEvent e = Live.events(runtime.get()).awaitEvent(name, timeout);
            if (e == null) throw expired("QMP event " + name, timeout, "");
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while waiting for QMP event " + name);
        }
    }

    /** Writes a PNG of the VM's display (QMP {@code screendump}). */
    public void screenshot(Path file) {
        Path abs = file.toAbsolutePath();
        qmp("screendump", Map.of("filename", abs.toString(), "format", "png"));
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
        VmState s = access.state();
        access.close();
        ProcessHandle.of(s.pid()).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // checked below
            }
            if (h.isAlive()) throw MerosException.failed(label() + ": QEMU (pid " + s.pid() + ") survived SIGKILL");
        });
    }

    /** Reboots the guest cleanly ({@code systemctl reboot}) and returns when it answers again with a new boot id. */
    public void reboot(Duration timeout) {
        String bootId = succeed("cat /proc/sys/kernel/random/boot_id").strip();
        listenForEvents();
        execute("(sleep 1; systemctl reboot) >/dev/null 2>&1 </dev/null &");
        access.close();
        waitUntilSucceeds("test \"$(cat /proc/sys/kernel/random/boot_id)\" != " + ShellQuote.quote(bootId), timeout);
    }

    public void reboot() { reboot(Duration.ofSeconds(Math.max(120, spec.get().bootTimeoutSeconds()))); }

    // ------------------------------------------------------------ helpers

    static String oneLine(String s) {
        String l = s.strip().replace('\n', ' ');
        return Text.shorten(l, 80);
    }

    private static String tail(String what, String text) {
        if (text == null || text.isBlank()) return "";
        String[] lines = text.strip().split("\n");
        List<String> last = new ArrayList<>(List.of(lines).subList(Math.max(0, lines.length - 10), lines.length));
        return "\n" + what + ":\n" + indent(String.join("\n", last));
    }

    private static String indent(String s) { return "  " + s.replace("\n", "\n  "); }

    @Override
    public synchronized void close() {
        access.close();
    }
}
