package meros.core.state;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The runtime files of one VM under {@code data/state/<c>/<vm>/} (see docs/architecture.md). */
public record VmPaths(Path dir) {
    public Path pidfile() { return dir.resolve("qemu.pid"); }
    public Path qmp() { return dir.resolve("qmp.sock"); }
    /** A second QMP monitor, held by whoever follows events, so {@link #qmp()} stays free for short requests. */
    public Path events() { return dir.resolve("qmp-events.sock"); }
    public Path qga() { return dir.resolve("qga.sock"); }
    public Path serial() { return dir.resolve("serial.log"); }
    public Path overlay() { return dir.resolve("overlay.qcow2"); }
    /** The identity ({@code FileIdentity}) of the built disk {@link #overlay()} was made over, one line. */
    public Path overlayBase() { return dir.resolve("overlay.base"); }
    public Path vmJson() { return dir.resolve("vm.json"); }
    /** The vhost-user socket of the virtiofsd serving the mount with this tag. */
    public Path virtiofsSocket(String tag) { return dir.resolve("vfs-" + tag + ".sock"); }
    /** That virtiofsd's log (its stderr). */
    public Path virtiofsLog(String tag) { return dir.resolve("vfs-" + tag + ".log"); }
    /** The mounts served to the running VM: transport, and per mount its virtiofsd (recorded before it starts). */
    public Path mountsJson() { return dir.resolve("mounts.json"); }
    /** The port forwards active on the running VM (manifest and live ones), each recorded before it is made. */
    public Path forwardsJson() { return dir.resolve("forwards.json"); }

    /**
     * The longest path a UNIX socket may have, in bytes: {@code sun_path} holds 108 bytes with the terminating NUL
     * (unix(7)). QEMU refuses a longer {@code -qmp unix:} path at start ("UNIX socket path ... is too long"), and so
     * does the JDK's {@code UnixDomainSocketAddress} on connect.
     */
    public static final int SOCKET_PATH_MAX = 107;

    /** The UNIX sockets of the VM's QEMU and virtiofsds: QMP, the events monitor, the guest agent, one per mount tag. */
    public List<Path> sockets(Collection<String> mountTags) {
        List<Path> l = new ArrayList<>(List.of(qmp(), events(), qga()));
        for (String t : mountTags) l.add(virtiofsSocket(t));
        return l;
    }

    /**
     * Why the VM cannot start in this directory, or null: the longest of its {@link #sockets} is longer than
     * {@link #SOCKET_PATH_MAX} bytes (UTF-8), which a deep data directory, a long constellation or VM name or mount
     * tag makes it.
     */
    public String socketPathProblem(Collection<String> mountTags) {
        Path longest = null;
        int bytes = 0;
        for (Path p : sockets(mountTags)) {
            int n = p.toString().getBytes(StandardCharsets.UTF_8).length;
            if (n > bytes) {
                bytes = n;
                longest = p;
            }
        }
        if (bytes <= SOCKET_PATH_MAX) return null;
        return "its socket " + longest + " would be " + bytes + " bytes long, over the " + SOCKET_PATH_MAX
                + " a UNIX socket path may have (unix(7)): set MEROS_DATA to a shorter directory (and move the data directory there)"
                + " or shorten the checkout's path, the constellation's or the VM's name";
    }
}
