package meros.shell;

import meros.core.Meros;
import meros.core.qemu.LiveEvents;
import meros.core.qemu.VmRuntime;
import org.jline.reader.LineReader;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Notices above the prompt for VMs whose QEMU goes away while the shell follows them. The shell follows every
 * running VM a command named (its constellation's, or the one VM given): it opens the VM's event monitor
 * through {@link LiveEvents}, which tells its crash listeners when the connection drops without a shutdown.
 */
final class CrashNotices implements AutoCloseable {
    private final Meros meros;
    private final Consumer<String> listener;
    private final Map<String, VmRuntime> followed = new ConcurrentHashMap<>();

    CrashNotices(Meros meros, LineReader reader) {
        this.meros = meros;
        this.listener = line -> reader.printAbove("meros: " + line);
        LiveEvents.addCrashListener(listener);
    }

    /** Follows the running VMs of {@code constellation} ({@code vm} alone when given); quiet about the rest. */
    void follow(String constellation, String vm) {
        if (constellation == null) return;
        try {
            var c = meros.constellation(constellation);
            List<String> names = vm != null ? List.of(vm) : c.manifest().vmNames();
            for (String n : names) {
                try {
                    VmRuntime r = c.vm(n).plumbing().runtime();
                    if (!r.running()) continue;
                    LiveEvents.of(r);
                    followed.putIfAbsent(r.label(), r);
                } catch (RuntimeException e) {
                    // not a VM of it, or another process holds its event monitor: no notices for this one
                }
            }
        } catch (RuntimeException e) {
            // not a constellation (the command said so already)
        }
    }

    /** Stops listening and closes the event connections this session opened. */
    @Override
    public void close() {
        LiveEvents.removeCrashListener(listener);
        for (VmRuntime r : followed.values()) LiveEvents.close(r);
    }
}
