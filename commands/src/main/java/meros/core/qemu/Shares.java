package meros.core.qemu;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.host.HostTools;
import meros.core.manifest.Mount;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import meros.core.proc.Processes;
import meros.core.state.MountState;
import meros.core.state.VmPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM's {@code mounts:} on the host side. As root with virtiofsd installed each mount gets its own virtiofsd
 * (started before QEMU, its socket under the VM's state directory; it exits when QEMU closes the connection and is
 * stopped with the VM otherwise); without root or virtiofsd QEMU serves the mounts itself over 9p
 * ({@code virtio-9p-pci}, {@code security_model=none}: files are created with QEMU's user).
 */
public final class Shares {
    public static final String VIRTIOFS = "virtiofs";
    public static final String NINEP = "9p";
    /** How long virtiofsd may take to create its socket and go to the background. */
    static final Duration DAEMON_START = Duration.ofSeconds(20);
    /** How long a virtiofsd gets to exit after SIGTERM before SIGKILL. */
    static final Duration DAEMON_STOP = Duration.ofSeconds(5);

    private Shares() { }

    /** Environment variable that forces a transport ({@code virtiofs} or {@code 9p}) instead of the automatic choice. */
    public static final String FORCE_ENV = "MEROS_MOUNT_TRANSPORT";

    /** The transport {@code init} uses for a VM's mounts here: virtiofs as root with virtiofsd installed, else 9p. */
    public static String transport(boolean root, Path virtiofsd) {
        return root && virtiofsd != null ? VIRTIOFS : NINEP;
    }

    /**
     * The transport for this process: {@value #FORCE_ENV} when set, else {@link #transport(boolean, Path)}.
     *
     * @throws MerosException (usage) when {@value #FORCE_ENV} names neither transport
     */
    public static String chosen(boolean root, Path virtiofsd, String forced) {
        if (forced == null || forced.isBlank()) return transport(root, virtiofsd);
        if (forced.equals(VIRTIOFS) || forced.equals(NINEP)) return forced;
        throw MerosException.usage(FORCE_ENV + "=" + forced + " is not a mount transport (virtiofs or 9p)");
    }

    /**
     * Starts one virtiofsd per mount (virtiofs) or only records the mounts (9p); every daemon is recorded in
     * {@code mounts.json} before it starts. On failure the daemons started so far are stopped again.
     *
     * @throws MerosException (external program failed) when a virtiofsd does not come up, with its stderr
     */
    public static MountState start(Vm vm, VmPaths paths, String transport) {
        stop(paths); // leftovers of an earlier run of this VM
        List<MountState.Entry> entries = new ArrayList<>();
        for (Mount m : vm.mounts()) {
            String sock = transport.equals(VIRTIOFS) ? paths.virtiofsSocket(m.tag()).toString() : null;
            entries.add(new MountState.Entry(m.tag(), m.source().toString(), m.target(), m.readonly(), sock, 0));
        }
        MountState st = new MountState(transport, entries);
        st.write(paths.mountsJson());
        if (!transport.equals(VIRTIOFS)) return st;
        Path exe = HostTools.virtiofsd();
        if (exe == null) throw new MerosException(ExitCode.MISSING_TOOL, "virtiofsd is missing (install qemu-system-common)");
        try {
            for (Mount m : vm.mounts()) {
                Path sock = paths.virtiofsSocket(m.tag());
                Files.deleteIfExists(sock);
                Path log = paths.virtiofsLog(m.tag());
                Files.deleteIfExists(log);
                ProcessHandle h = Proc.of(exe.toString(), "--socket-path=" + sock, "-o", "source=" + m.source(),
                        "-o", "cache=auto", "-o", "log_level=warn").spawn(log);
                long pid = h.pid();
                st = st.withPid(m.tag(), pid);
                st.write(paths.mountsJson());
                long deadline = System.nanoTime() + DAEMON_START.toNanos();
                while (!Files.exists(sock) && !Processes.ended(h) && System.nanoTime() < deadline) sleep(50);
                if (!Files.exists(sock)) {
                    String why = Processes.ended(h) ? "it exited" : "no socket after " + DAEMON_START.toSeconds() + " s";
                    String tail = Files.exists(log) ? Proc.tail(Files.readString(log), 3).strip() : "";
                    throw new MerosException(ExitCode.EXTERNAL, "virtiofsd for " + m.source() + " did not start (" + why
                            + ", waited for " + sock + ")" + (tail.isEmpty() ? "" : ": " + tail));
                }
            }
        } catch (IOException e) {
            stop(paths);
            throw new MerosException(ExitCode.FAILED, "cannot prepare virtiofs sockets in " + paths.dir() + ": " + IoErrors.reason(e, paths.dir()), e);
        } catch (RuntimeException e) {
            stop(paths);
            throw e;
        }
        return st;
    }

    /**
     * Stops the recorded virtiofsd processes (SIGTERM, then SIGKILL), removes their sockets and {@code mounts.json}.
     *
     * @return one line per daemon stopped
     */
    public static List<String> stop(VmPaths paths) {
        List<String> done = new ArrayList<>();
        MountState st = MountState.read(paths.mountsJson());
        if (st != null) {
            for (MountState.Entry e : st.mounts()) {
                if (e.socket() == null) continue;
                long pid = e.pid() > 0 && serves(e.pid(), e.socket()) ? e.pid() : pidOf(Path.of(e.socket()));
                if (pid > 0) {
                    ProcessHandle.of(pid).ifPresent(h -> {
                        // virtiofsd runs its sandboxed worker as a child: taken now, while it is still this one's
                        // child, and stopped with it, so it is not left to PID 1 when the parent dies first
                        List<ProcessHandle> children = h.descendants().toList();
                        h.destroy();
                        if (!Processes.awaitEnd(h, DAEMON_STOP)) {
                            h.destroyForcibly();
                            Processes.awaitEnd(h, DAEMON_STOP);
                        }
                        for (ProcessHandle c : children) {
                            if (Processes.ended(c)) continue;
                            c.destroyForcibly();
                            Processes.awaitEnd(c, DAEMON_STOP);
                        }
                    });
                    done.add("virtiofsd " + e.tag() + " (" + e.source() + ")");
                }
                deleteQuietly(Path.of(e.socket()));
            }
        }
        deleteQuietly(paths.mountsJson());
        return done;
    }

    /** The pid of the virtiofsd serving this socket (found by its command line), or -1. */
    static long pidOf(Path socket) {
        String arg = "--socket-path=" + socket;
        return ProcessHandle.allProcesses().filter(p -> serves(p.pid(), arg.substring("--socket-path=".length())))
                .mapToLong(ProcessHandle::pid).min().orElse(-1);
    }

    private static boolean serves(long pid, String socket) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return cmd.contains("virtiofsd") && cmd.contains("--socket-path=" + socket + "\0");
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while starting virtiofsd");
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the next start replaces it
        }
    }
}
