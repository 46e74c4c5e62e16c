package meros.shell;

import meros.core.Machine;
import meros.core.Meros;
import org.jline.reader.LineReader;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Notices above the prompt for VMs whose QEMU goes away while the shell follows them. The shell follows every
 * running VM a command named (its constellation's, or the one VM given): it opens the VM's event monitor
 * with {@link Machine#watch()}, and the crash listeners hear when the connection drops without a shutdown.
 */
final class CrashNotices implements AutoCloseable {
    private final Meros meros;
    private final Consumer<String> listener;
    private final Map<String, Machine> followed = new ConcurrentHashMap<>();

    CrashNotices(Meros meros, LineReader reader) {
        this.meros = meros;
        this.listener = line -> reader.printAbove("meros: " + line);
        meros.addCrashListener(listener);
    }

    /** Follows the running VMs of {@code constellation} ({@code vm} alone when given); quiet about the rest. */
    void follow(String constellation, String vm) {
        if (constellation == null) return;
        try {
            var c = meros.constellation(constellation);
            List<String> names = vm != null ? List.of(vm) : c.manifest().vmNames();
            for (String n : names) {
                try {
                    Machine m = c.vm(n);
                    if (m.watch()) followed.putIfAbsent(m.label(), m);
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
        meros.removeCrashListener(listener);
        for (Machine m : followed.values()) {
            try {
                m.unwatch();
            } catch (RuntimeException e) {
                // the manifest dropped the VM: its connection closes with the process
            }
        }
    }
}
