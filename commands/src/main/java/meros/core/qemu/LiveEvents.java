package meros.core.qemu;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.qmp.QmpClient;
import meros.core.wait.Poll;
import meros.core.wait.Timeouts;
import meros.core.wait.Wait;
import meros.core.wait.WaitTimeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Long-lived QMP connections on each VM's event monitor ({@code qmp-events.sock}), one per VM per process,
 * kept by this registry so commands and scripts share them. When QEMU goes away the connection closes and the
 * crash listeners hear about it (the shell prints a notice and keeps working).
 */
public final class LiveEvents {
    private LiveEvents() { }

    private static final Map<Path, QmpClient> CLIENTS = new ConcurrentHashMap<>();
    private static final List<Consumer<String>> CRASH_LISTENERS = new CopyOnWriteArrayList<>();

    /** Hears one line per VM whose QEMU went away while this process followed it. */
    public static void addCrashListener(Consumer<String> l) { CRASH_LISTENERS.add(l); }

    public static void removeCrashListener(Consumer<String> l) { CRASH_LISTENERS.remove(l); }

    /** The (re)connected event client of a running VM. */
    public static synchronized QmpClient of(VmRuntime r) {
        Path sock = r.paths().events();
        QmpClient c = CLIENTS.get(sock);
        if (c != null && c.isConnected()) return c;
        if (!r.running()) throw r.notRunning();
        QmpClient fresh;
        try {
            fresh = QmpClient.connect(sock, Timeouts.QMP_CONNECT);
        } catch (MerosException e) {
            throw new MerosException(e.exitCode(), e.getMessage() + " (QEMU serves one client per monitor: is another meros process following "
                    + r.label() + "'s events?)", e);
        }
        fresh.onClose(reason -> {
            CLIENTS.remove(sock, fresh);
            if (reason != null && !reason.startsWith("closed by meros")) {
                // give the kernel a moment to reap QEMU before asking whether it is gone
                VmRuntime.Status s = awaitGone(r);
                if (s.state() != RunState.STOPPED) {
                    String line = "vm " + r.label() + ": QEMU went away (" + s.state() + (s.reason() == null ? "" : ": " + s.reason()) + ")";
                    for (Consumer<String> l : CRASH_LISTENERS) l.accept(line);
                }
            }
        });
        CLIENTS.put(sock, fresh);
        return fresh;
    }

    /** The VM's status once its QEMU is gone, or after {@link Timeouts#CRASH_SETTLE} if it is not. */
    private static VmRuntime.Status awaitGone(VmRuntime r) {
        try {
            Wait.until("QEMU of " + r.label() + " to be reaped", d -> Poll.of(!r.running(), "still running"))
                    .every(GONE_POLL).await(Timeouts.CRASH_SETTLE);
        } catch (WaitTimeout e) {
            // report what it is now
        } catch (MerosException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) Thread.currentThread().interrupt();
        }
        try {
            return r.status();
        } catch (MerosException e) {
            return new VmRuntime.Status(RunState.UNKNOWN, 0, e.getMessage());
        }
    }

    /** Pause between two looks at whether QEMU is gone after its event connection dropped. */
    private static final Duration GONE_POLL = Duration.ofMillis(50);

    /** Closes this process's event connection to a VM (if any). */
    public static synchronized void close(VmRuntime r) {
        QmpClient c = CLIENTS.remove(r.paths().events());
        if (c != null) c.close();
    }
}
