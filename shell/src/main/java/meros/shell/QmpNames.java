package meros.shell;

import meros.core.Machine;
import meros.core.Meros;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The QMP command names a running VM offers ({@code query-commands}), for Tab completion: asked once per QEMU
 * process (keyed by its pid) and kept for the session. A VM that is not running, or does not answer, offers nothing.
 */
final class QmpNames {
    private final Meros meros;
    private final Map<String, List<String>> byPid = new ConcurrentHashMap<>();

    QmpNames(Meros meros) { this.meros = meros; }

    List<String> of(String constellation, String vm) {
        try {
            Machine m = meros.constellation(constellation).vm(vm);
            OptionalLong pid = m.pid();
            if (pid.isEmpty()) return List.of();
            return byPid.computeIfAbsent(m.label() + "@" + pid.getAsLong(), k -> m.qmpCommands());
        } catch (RuntimeException e) {
            return List.of(); // completion stays silent: the command itself reports what is wrong
        }
    }
}
