package meros.core.state;

import java.nio.file.Path;

/** The runtime files of one VM under {@code data/state/<c>/<vm>/} (see docs/architecture.md). */
public record VmPaths(Path dir) {
    public Path pidfile() { return dir.resolve("qemu.pid"); }
    public Path qmp() { return dir.resolve("qmp.sock"); }
    /** A second QMP monitor, held by whoever follows events, so {@link #qmp()} stays free for short requests. */
    public Path events() { return dir.resolve("qmp-events.sock"); }
    public Path qga() { return dir.resolve("qga.sock"); }
    public Path serial() { return dir.resolve("serial.log"); }
    public Path overlay() { return dir.resolve("overlay.qcow2"); }
    public Path vmJson() { return dir.resolve("vm.json"); }
}
