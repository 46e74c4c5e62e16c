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
    /** The vhost-user socket of the virtiofsd serving the mount with this tag. */
    public Path virtiofsSocket(String tag) { return dir.resolve("vfs-" + tag + ".sock"); }
    /** That virtiofsd's log (its stderr). */
    public Path virtiofsLog(String tag) { return dir.resolve("vfs-" + tag + ".log"); }
    /** The mounts served to the running VM: transport, and per mount its virtiofsd (recorded before it starts). */
    public Path mountsJson() { return dir.resolve("mounts.json"); }
    /** The port forwards active on the running VM (manifest and live ones), each recorded before it is made. */
    public Path forwardsJson() { return dir.resolve("forwards.json"); }
}
