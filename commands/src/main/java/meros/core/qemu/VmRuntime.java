package meros.core.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.ExitCode;
import meros.core.base.FileIdentity;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.host.HostTools;
import meros.core.host.Privileges;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import meros.core.proc.Processes;
import meros.core.qmp.QmpClient;
import meros.core.state.StateDir;
import meros.core.state.VmPaths;
import meros.core.state.VmState;
import meros.core.wait.Deadline;
import meros.core.wait.Timeouts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** One VM's QEMU process: find it, start it, talk to it, stop it. Any meros process can do any of these. */
public final class VmRuntime {
    private final Home home;
    private final String constellation;
    private final Vm vm;
    private final VmPaths paths;

    public VmRuntime(Home home, String constellation, Vm vm) {
        this.home = home;
        this.constellation = constellation;
        this.vm = vm;
        this.paths = StateDir.of(home, constellation).vm(vm.name());
    }

    /**
     * The VMs of {@code constellation} whose QEMU meros started and still runs but whose manifest no longer names them
     * (renamed or removed since {@code init}): found by their directories under {@code data/state/<c>/} and a live
     * pidfile, so {@code shutdown} and {@code info} can still see and stop them. Their runtimes know only the name:
     * enough to find, ask and stop the QEMU, not to start one.
     *
     * @param named the VM names the manifest has
     * @return per name, sorted, its runtime
     */
    public static Map<String, VmRuntime> unnamedRunning(Home home, String constellation, Collection<String> named) {
        Map<String, VmRuntime> found = new LinkedHashMap<>();
        for (String n : StateDir.of(home, constellation).vmDirs()) {
            if (named.contains(n)) continue;
            VmRuntime r = new VmRuntime(home, constellation, Vm.named(n));
            if (r.running()) found.put(n, r);
        }
        return found;
    }

    public Vm vm() { return vm; }
    public VmPaths paths() { return paths; }
    public String label() { return constellation + "/" + vm.name(); }
    public String constellation() { return constellation; }

    public Path disk() { return home.disks().resolve(constellation).resolve(vm.name() + ".qcow2"); }
    public Path kernel() {
        return vm.kernel() != null ? home.resolve(vm.kernel()) : home.disks().resolve(constellation).resolve(vm.name() + ".vmlinuz");
    }
    public Path initrd() { return vm.kernel() != null ? null : home.disks().resolve(constellation).resolve(vm.name() + ".initrd"); }

    /** The recorded state of the last start, or null. */
    public VmState recorded() { return VmState.read(paths.vmJson()); }

    /** The pid of this VM's live QEMU process (checked against its command line, so a reused pid is not mistaken). */
    public OptionalLong livePid() {
        long pid = pidFromFile();
        if (pid <= 0) {
            VmState s = recorded();
            pid = s == null ? -1 : s.pid();
        }
        return pid > 0 && isOurQemu(pid) ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    public boolean running() { return livePid().isPresent(); }

    private long pidFromFile() {
        try {
            return Long.parseLong(Files.readString(paths.pidfile()).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The command line of the running QEMU ({@code /proc/<pid>/cmdline}, one element per argument); empty when it is
     * not running or cannot be read.
     */
    public List<String> runningArgv() {
        OptionalLong pid = livePid();
        if (pid.isEmpty()) return List.of();
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid.getAsLong()), "cmdline")), StandardCharsets.UTF_8);
            return cmd.isEmpty() ? List.of() : List.of(cmd.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    private boolean isOurQemu(long pid) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return cmd.contains(paths.qmp().toString());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The user-mode networks of two constellations must not meet: refuses when another constellation of this
     * checkout that has VMs recorded ({@code vm.json}) derives the same multicast port ({@link QemuArgs#mcastPort}).
     */
    void refuseSharedMulticastPort() {
        int mine = QemuArgs.mcastPort(home.root(), constellation, "");
        Path all = home.stateOf(constellation).getParent();
        if (all == null || !Files.isDirectory(all)) return;
        try (Stream<Path> dirs = Files.list(all)) {
            for (Path d : dirs.sorted().toList()) {
                String other = d.getFileName().toString();
                if (other.equals(constellation) || QemuArgs.mcastPort(home.root(), other, "") != mine) continue;
                boolean live;
                try (Stream<Path> vms = Files.list(d)) {
                    live = vms.anyMatch(v -> Files.isRegularFile(v.resolve("vm.json")));
                }
                if (live) {
                    throw MerosException.failed("the user-mode networks of constellations " + constellation + " and " + other
                            + " derive the same multicast port " + mine + " (from the checkout path and the name), so their VMs"
                            + " would share bridges; shut " + other + " down or rename one of them");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + all, e);
        }
    }

    /**
     * Starts QEMU (daemonized, so it outlives this process) and records {@code vm.json}.
     *
     * @return the recorded state
     */
    public VmState start(Vm.Accel accel, boolean userNet, int sshPort, Map<String, Integer> mcastPorts) {
        return start(accel, userNet, sshPort, mcastPorts, why -> { });
    }

    /**
     * As {@link #start(Vm.Accel, boolean, int, Map)}; when the VM's overlay cannot be used any more
     * ({@link #overlayOutdated}), {@code newOverlay} is told why before a new one replaces it.
     */
    public VmState start(Vm.Accel accel, boolean userNet, int sshPort, Map<String, Integer> mcastPorts, Consumer<String> newOverlay) {
        return launch(accel, false, userNet, sshPort, mcastPorts, null, List.of(), newOverlay);
    }

    /**
     * Starts QEMU as {@link #start(Vm.Accel, boolean, int, Map)} does under TCG, with every vCPU on one host thread
     * ({@link QemuArgs#TCG_SINGLE_THREADED}): for a VM whose kernel panicked under multi-threaded TCG. Its disk (the
     * overlay) is kept, as a reboot keeps it.
     *
     * @return the recorded state (accel TCG)
     */
    public VmState startSingleThreadedTcg(boolean userNet, int sshPort, Map<String, Integer> mcastPorts) {
        return launch(Vm.Accel.TCG, true, userNet, sshPort, mcastPorts, null, List.of(), why -> { });
    }

    /**
     * Starts QEMU as {@link #start(Vm.Accel, boolean, int, Map)} does, optionally on a fresh overlay over
     * {@code backing} (a saved boot's frozen disk) instead of the built disk, with {@code extraArgs} appended (e.g.
     * {@code -incoming}).
     */
    public VmState start(Vm.Accel accel, boolean userNet, int sshPort, Map<String, Integer> mcastPorts, Path backing, List<String> extraArgs) {
        return launch(accel, false, userNet, sshPort, mcastPorts, backing, extraArgs, why -> { });
    }

    private VmState launch(Vm.Accel accel, boolean singleThreadedTcg, boolean userNet, int sshPort, Map<String, Integer> mcastPorts,
                           Path backing, List<String> extraArgs, Consumer<String> newOverlay) {
        if (userNet && !vm.networks().isEmpty()) refuseSharedMulticastPort();
        if (!Files.isRegularFile(disk())) throw MerosException.failed("disk of " + label() + " is not built: " + disk());
        if (!Files.isRegularFile(kernel())) {
            throw MerosException.failed("kernel of " + label() + " is missing: " + kernel()
                    + (vm.kernel() != null ? " (the VM names its own kernel: build it with 'meros kernel-build')" : ""));
        }
        StateDir.of(home, constellation).createVm(vm.name());
        if (backing == null) prepareOverlay(newOverlay);
        else freshOverlay(backing);
        for (Path p : List.of(paths.pidfile(), paths.qmp(), paths.events(), paths.qga(), paths.vmJson())) deleteQuietly(p);
        Path initrd = initrd() != null && Files.isRegularFile(initrd()) ? initrd() : null;
        String transport = Shares.chosen(Privileges.isRoot(), HostTools.virtiofsd(), System.getenv(Shares.FORCE_ENV));
        List<String> argv = QemuArgs.build(constellation, vm, paths,
                new QemuArgs.Launch(kernel(), initrd, paths.overlay(), accel, userNet, sshPort, mcastPorts, transport, singleThreadedTcg));
        argv = new ArrayList<>(argv);
        if (backing != null) appendToSerialLog(argv);
        argv.addAll(extraArgs);
        long t0 = System.currentTimeMillis();
        if (!vm.mounts().isEmpty()) Shares.start(vm, paths, transport);
        Forwards.recordManifest(vm, paths, userNet);
        try {
            Proc.of(argv).timeout(Timeouts.QEMU_START).run();
        } catch (RuntimeException e) {
            Shares.stop(paths);
            deleteQuietly(paths.forwardsJson());
            // the sockets a QEMU that failed made before it exited; its serial log and the overlay (the VM's disk) stay
            for (Path p : List.of(paths.pidfile(), paths.qmp(), paths.events(), paths.qga())) deleteQuietly(p);
            throw e;
        }
        for (Path p : List.of(paths.qmp(), paths.events(), paths.qga(), paths.pidfile(), paths.serial())) StateDir.ownerOnly(p);
        long pid = pidFromFile();
        if (pid <= 0) throw new MerosException(ExitCode.EXTERNAL, "qemu for " + label() + " started but wrote no pidfile " + paths.pidfile());
        List<String> addrs = new ArrayList<>();
        for (Nic n : vm.networks()) addrs.add(n.ip());
        String sshHost = userNet ? "127.0.0.1" : addrs.isEmpty() ? null : addrs.get(0);
        VmState st = new VmState(pid, accel == Vm.Accel.KVM ? Vm.Accel.KVM : Vm.Accel.TCG, userNet ? Vm.NetworkMode.USER : Vm.NetworkMode.BRIDGE,
                sshHost, userNet ? sshPort : sshHost == null ? 0 : 22, t0, disk().toString(), addrs);
        st.write(paths.vmJson());
        StateDir.ownerOnly(paths.vmJson());
        return st;
    }

    /**
     * Why the VM's overlay cannot be used any more, or null when it can (or there is none). The overlay holds what
     * the VM wrote to its disk and its internal snapshots, over the built disk, which qcow2 records by path only: a
     * disk rebuilt since then (another file at that path, {@link VmPaths#overlayBase}) or a saved boot's frozen layer
     * it was based on that is gone would show the guest a corrupt file system. An overlay from before meros recorded
     * its disk counts as outdated when the disk is newer than it. Reads file attributes and runs
     * {@code qemu-img info} (seconds at most).
     */
    public String overlayOutdated() {
        Path ov = paths.overlay();
        if (!Files.exists(ov)) return null;
        try {
            Path base = paths.overlayBase();
            if (Files.isRegularFile(base)) {
                if (!Files.readString(base, StandardCharsets.UTF_8).strip().equals(FileIdentity.of(disk()))) {
                    return "its disk was rebuilt since its overlay was made";
                }
            } else if (Files.getLastModifiedTime(ov).compareTo(Files.getLastModifiedTime(disk())) < 0) {
                return "its disk is newer than its overlay";
            }
            String backing = isQcow2(ov) ? backingOf(ov) : null;
            if (backing != null && !Files.isRegularFile(Path.of(backing))) return "the saved boot its overlay was based on is gone";
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the overlay of " + label(), e);
        }
    }

    /**
     * The overlay survives restarts (snapshots live in it) unless {@link #overlayOutdated} says why not; then
     * {@code newOverlay} is told why and a new one is made over the built disk, whose identity is recorded first.
     */
    private void prepareOverlay(Consumer<String> newOverlay) {
        try {
            Path ov = paths.overlay();
            String why = overlayOutdated();
            if (why != null) {
                newOverlay.accept(why);
                Files.delete(ov);
            }
            if (!Files.exists(ov)) {
                recordOverlayBase();
                Proc.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", disk().toString(), "-F", "qcow2", ov.toString())
                        .timeout(Timeouts.QEMU_IMG).run();
                StateDir.ownerOnly(ov);
            } else if (!Files.isRegularFile(paths.overlayBase())) {
                recordOverlayBase(); // an overlay from before the record, kept by the older rule: recorded from now on
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare overlay for " + label(), e);
        }
    }

    /** Whether {@code f} starts with qcow2's magic ({@code QFI\xfb}, QEMU's docs/interop/qcow2.txt). */
    static boolean isQcow2(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && m[0] == 'Q' && m[1] == 'F' && m[2] == 'I' && (m[3] & 0xff) == 0xfb;
        }
    }

    /** Records the built disk's identity in {@link VmPaths#overlayBase} (owner-only). */
    private void recordOverlayBase() throws IOException {
        Files.writeString(paths.overlayBase(), FileIdentity.of(disk()) + "\n", StandardCharsets.UTF_8);
        StateDir.ownerOnly(paths.overlayBase());
    }

    /**
     * Makes QEMU append to the serial log instead of truncating it (a resumed VM's log starts with the saved boot's):
     * {@code -serial file:LOG} becomes {@code -chardev file,id=serial0,path=LOG,append=on -serial chardev:serial0},
     * the same serial device to the guest.
     */
    static void appendToSerialLog(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-serial") && argv.get(i + 1).startsWith("file:")) {
                String log = argv.get(i + 1).substring("file:".length());
                argv.set(i + 1, "chardev:serial0");
                argv.add(i, "-chardev");
                argv.add(i + 1, "file,id=serial0,path=" + log + ",append=on");
                return;
            }
        }
    }

    /** A new, empty overlay over {@code backing}, replacing the old one. */
    private void freshOverlay(Path backing) {
        try {
            Files.deleteIfExists(paths.overlay());
            recordOverlayBase(); // the frozen layer is over the built disk too
            Proc.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", backing.toString(), "-F", "qcow2", paths.overlay().toString())
                    .timeout(Duration.ofSeconds(60)).run();
            StateDir.ownerOnly(paths.overlay());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare overlay for " + label(), e);
        }
    }

    /** A short-lived QMP connection on the request monitor; close it after use. */
    public QmpClient connect(Duration timeout) {
        if (!running()) throw notRunning();
        return QmpClient.connect(paths.qmp(), timeout);
    }

    /** Runs one QMP command on a short-lived connection. */
    public JsonNode qmp(String command, Map<String, ?> args, Duration timeout) {
        try (QmpClient c = connect(Timeouts.QMP_CONNECT)) {
            return c.execute(command, args, timeout);
        }
    }

    /**
     * Fails when the guest cannot answer a command: QEMU is not running ({@link #notRunning()}: stopped, crashed, shut
     * down), or its CPUs do not run (QMP {@code query-status}: paused, suspended, panicked, stopped on an error).
     * Blocks for one QMP round trip, at most {@link Timeouts#QMP_STATUS} to connect and as long to answer; a monitor
     * that does not answer passes (the caller's own wait then says what it saw).
     *
     * @throws MerosException FAILED naming the state and, for a stopped or suspended guest, the command that lets it run
     */
    public void requireGuestRunning() {
        if (!running()) throw notRunning();
        RunState state;
        try (QmpClient c = connect(Timeouts.QMP_STATUS)) {
            state = RunState.ofQmp(c.execute("query-status", null, Timeouts.QMP_STATUS).path("status").asText());
        } catch (MerosException e) {
            return;
        }
        if (state == RunState.RUNNING) return;
        String wake = state.wakeCommand();
        String how = wake == null ? ""
                : wake.equals("cont") ? "; resume it with: meros resume " + constellation + " " + vm.name()
                : "; wake it with: meros qmp " + constellation + " " + vm.name() + " system_wakeup";
        String last = state.guestCannotRun() ? serialLastLine() : "";
        throw MerosException.failed("vm " + label() + " is " + state + ": its guest cannot answer" + how
                + (last.isEmpty() ? "" : " (serial log last: " + last + ")"));
    }

    /** {@link VmState#notRunning} for this VM in its current state. */
    public MerosException notRunning() {
        return notRunning(null);
    }

    /** As {@link #notRunning()}, saying what needed the VM ({@code reset needs every VM}); null: nothing. */
    public MerosException notRunning(String needs) {
        Status s = status();
        return VmState.notRunning(constellation, vm.name(), s.state() + (s.reason() == null ? "" : ": " + s.reason()), needs);
    }

    /**
     * What QMP says about the VM, or what is left of it.
     *
     * @param state  as QMP reports it while QEMU lives, else what is left ({@link RunState})
     * @param pid    QEMU's pid (the recorded one when it is gone), 0 when there is none
     * @param reason what is known about why, or null
     */
    public record Status(RunState state, long pid, String reason) { }

    public Status status() {
        OptionalLong pid = livePid();
        VmState rec = recorded();
        if (pid.isEmpty()) {
            if (rec == null) return new Status(RunState.STOPPED, 0, null);
            String tail = serialTail(40);
            if (tail.contains("reboot: Power down") || tail.contains("reboot: System halted")) {
                return new Status(RunState.SHUT_DOWN, rec.pid(), "the guest powered off");
            }
            String panic = tail.lines().map(Text::printable).filter(l -> l.contains("Kernel panic")).reduce((a, b) -> b).orElse(null);
            return new Status(RunState.CRASHED, rec.pid(), panic != null ? panic.strip()
                    : "QEMU process " + rec.pid() + " is gone without a shutdown");
        }
        try (QmpClient c = QmpClient.connect(paths.qmp(), Timeouts.QMP_STATUS)) {
            JsonNode st = c.execute("query-status", null, Timeouts.QMP_STATUS);
            return new Status(RunState.ofQmp(st.path("status").asText()), pid.getAsLong(), null);
        } catch (MerosException e) {
            return new Status(RunState.UNREACHABLE, pid.getAsLong(), e.getMessage());
        }
    }

    /** The last lines of the serial console log. */
    public String serialTail(int lines) {
        try (FileChannel ch = FileChannel.open(paths.serial(), StandardOpenOption.READ)) {
            long size = ch.size();
            // a guess of 256 bytes a line first, more when the guess held too few lines, never beyond the bound
            for (long want = Math.max(4096, lines * 256L); ; want *= 4) {
                int n = (int) Math.min(Math.min(size, want), SERIAL_TAIL_BYTES);
                ByteBuffer buf = ByteBuffer.allocate(n);
                ch.position(size - n);
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // read to the end of the tail
                }
                String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                if (n == size || n == SERIAL_TAIL_BYTES || text.lines().count() > lines) return Proc.tail(text.replace("\r", ""), lines);
            }
        } catch (IOException e) {
            return ""; // no serial log (yet)
        }
    }

    /** The serial log's last non-blank line, without terminal escape sequences and control characters, at most 100 characters; "" when none. */
    public String serialLastLine() {
        return lastLine(serialTail(8));
    }

    /** As {@link #serialLastLine()}, of a serial log tail already read. */
    public static String lastLine(String serialTail) {
        String[] lines = serialTail.split("\n");
        String l = "";
        for (int i = lines.length - 1; i >= 0 && l.isEmpty(); i--) l = Text.printable(lines[i]).strip(); // from the end: one or two lines cleaned
        return l.length() > 100 ? l.substring(0, 100) + "…" : l;
    }

    /**
     * The most of the serial log {@link #serialTail} reads: its end only, so a look at a VM that has run for weeks
     * does not read a log of many megabytes (the readiness wait looks four times a second).
     */
    static final int SERIAL_TAIL_BYTES = 64 * 1024;

    /**
     * Stops the VM: the ACPI power button ({@code system_powerdown}), the guest agent's {@code guest-shutdown}, then
     * {@code quit}, then SIGKILL. The button is pressed again every {@link Timeouts#ACPI_REPEAT} and the agent asked
     * until one is delivered, because a guest just booted may not be listening yet: systemd-logind watches the button
     * only once udev has tagged its input device, and the agent's unit starts only once its virtio port's device
     * unit exists, both of which can come after SSH answers. A press while the guest already shuts down changes
     * nothing (logind starts the same {@code poweroff.target}). A paused guest ({@code paused}, {@code postmigrate},
     * {@code debug}: QMP {@code query-status}) is continued and a suspended one woken first, since a stopped CPU hears
     * no button (as vagrant-libvirt resumes a paused domain before it halts it); one that cannot power off
     * ({@code guest-panicked}, {@code internal-error}, {@code io-error}, {@code shutdown}, {@code inmigrate},
     * {@code prelaunch}) is quit at once.
     *
     * @param powerdownWait how long the guest gets to power off, counted from the first press, before QEMU is quit;
     *                      zero quits at once without pressing the button (pulling the plug)
     * @return how it ended, e.g. "powered off (ACPI) in 4.1 s", "powered off (ACPI, 3 presses) in 12.0 s", or null
     *         when it was not running
     */
    public String stop(Duration powerdownWait) {
        LiveEvents.close(this); // a stop by meros is no crash: this process's followers must not report one
        OptionalLong pid = livePid();
        String how = pid.isEmpty() && Files.exists(paths.vmJson()) ? "was not running (" + status().state() + "), removed its state" : null;
        if (pid.isPresent()) {
            long t0 = System.nanoTime();
            ProcessHandle h = ProcessHandle.of(pid.getAsLong()).orElse(null);
            how = "killed";
            try (QmpClient c = QmpClient.connect(paths.qmp(), Timeouts.QMP_STOP_STEP)) {
                RunState state = RunState.ofQmp(c.execute("query-status", null, Timeouts.QMP_STOP_STEP).path("status").asText());
                boolean plug = powerdownWait.isZero(); // no wait: no button either, QEMU is quit at once
                boolean cannot = !plug && state.guestCannotRun();
                String wake = plug || cannot ? null : state.wakeCommand();
                // a stopped CPU hears no button: let the guest run so it can power off as a running one would
                if (wake != null) c.execute(wake, null, Timeouts.QMP_STOP_STEP);
                String woken = wake == null ? "" : wake.equals("cont") ? ", resumed from " + state + " first" : ", woken from suspend first";
                PowerOff off = plug || cannot ? null : powerOff(c, h, powerdownWait, woken);
                if (off != null && off.gone()) how = off.how();
                else {
                    try {
                        c.execute("quit", null, Timeouts.QMP_STOP_STEP);
                    } catch (MerosException ignored) {
                        // QEMU may close the socket before answering
                    }
                    if (waitGone(h, Timeouts.PROCESS_GONE)) {
                        String last = serialLastLine();
                        how = plug ? "quit at once (no power-off wait)"
                                : "quit (" + (cannot ? "the guest could not power off: it was " + state
                                        : "no power-off within " + Deadline.format(powerdownWait) + ", " + off.tried())
                                + (last.isEmpty() ? "; serial log empty" : "; serial log last: " + last) + ")";
                    }
                }
            } catch (MerosException e) {
                // QMP unusable: fall through to the kill
            }
            if (h != null && !Processes.ended(h)) {
                h.destroyForcibly();
                waitGone(h, Timeouts.PROCESS_GONE);
                how = "killed (QMP did not stop it)";
            }
            how += String.format(" in %.1f s", (System.nanoTime() - t0) / 1e9);
        }
        for (Path p : List.of(paths.pidfile(), paths.qmp(), paths.events(), paths.qga(), paths.vmJson())) deleteQuietly(p);
        Shares.stop(paths);
        deleteQuietly(paths.forwardsJson());
        return how;
    }

    /**
     * Kills the VM's QEMU process at once (SIGKILL, no guest shutdown), stops its virtiofsd daemons and removes its
     * runtime files; the serial log and the overlay stay. For a VM that never got going, e.g. one the boot watchdog gives up on. Blocks until the
     * process is gone, at most {@link #KILL_WAIT}.
     */
    public void kill() {
        LiveEvents.close(this);
        OptionalLong pid = livePid();
        if (pid.isPresent()) {
            ProcessHandle h = ProcessHandle.of(pid.getAsLong()).orElse(null);
            if (h != null) {
                h.destroyForcibly();
                waitGone(h, KILL_WAIT);
            }
        }
        for (Path p : List.of(paths.pidfile(), paths.qmp(), paths.events(), paths.qga(), paths.vmJson())) deleteQuietly(p);
        Shares.stop(paths);
        deleteQuietly(paths.forwardsJson());
    }

    /** How long {@link #kill} waits for a SIGKILLed QEMU to be gone. */
    public static final Duration KILL_WAIT = Duration.ofSeconds(10);

    /**
     * Presses the ACPI button, asks the guest agent, and presses again every {@link Timeouts#ACPI_REPEAT} until QEMU
     * has ended or {@code wait} (from the first press) has passed.
     *
     * @return whether QEMU ended, how the guest powered off (e.g. "powered off (ACPI, 2 presses)") and what was tried
     */
    private PowerOff powerOff(QmpClient c, ProcessHandle h, Duration wait, String woken) {
        Deadline deadline = Deadline.after(wait);
        c.execute("system_powerdown", null, Timeouts.QMP_STOP_STEP);
        int presses = 1;
        boolean agent = false;
        boolean gone = waitGone(h, min(deadline.remaining(), Timeouts.ACPI_FIRST));
        while (!gone && !deadline.expired()) {
            if (!agent) agent = AgentSocket.shutdown(paths.qga(), (int) min(deadline.remaining(), AGENT_SHUTDOWN_TRY).toMillis());
            gone = waitGone(h, min(deadline.remaining(), Timeouts.ACPI_REPEAT));
            if (!gone && !deadline.expired()) {
                try {
                    c.execute("system_powerdown", null, Timeouts.QMP_STOP_STEP);
                    presses++;
                } catch (MerosException e) {
                    gone = waitGone(h, Timeouts.PROCESS_GONE); // QEMU exited as the button was pressed
                    if (!gone) throw e;
                }
            }
        }
        String tried = (presses == 1 ? "1 ACPI press" : presses + " ACPI presses")
                + (agent ? ", the guest agent asked" : ", no guest agent answered") + woken;
        String how = agent ? "powered off (guest agent" + woken + ")"
                : "powered off (ACPI" + (presses == 1 ? "" : ", " + presses + " presses") + woken + ")";
        return new PowerOff(gone, how, tried);
    }

    private record PowerOff(boolean gone, String how, String tried) { }

    /** How long one try to hand the guest agent a {@code guest-shutdown} may take (its ping first): 2 s. */
    private static final Duration AGENT_SHUTDOWN_TRY = Duration.ofSeconds(2);

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** True when {@code h}'s process ended within {@code d} (null: nothing to wait for). */
    private boolean waitGone(ProcessHandle h, Duration d) {
        if (h == null) return true;
        return Processes.awaitEnd(h, d);
    }

    /** A free TCP port on the loopback interface. */
    public static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stale file is replaced on the next start
        }
    }

    /** {@code qemu-img info}'s backing file of a qcow2 image, or null. */
    public static String backingOf(Path image) {
        Proc.Result res = Proc.of("qemu-img", "info", "-U", "--output=json", image.toString()).timeout(Timeouts.QMP_QUERY).call();
        if (!res.ok()) return null;
        try {
            JsonNode n = new ObjectMapper().readTree(res.stdout());
            String b = n.path("full-backing-filename").asText(n.path("backing-filename").asText(null));
            return b == null || b.isEmpty() ? null : b;
        } catch (IOException e) {
            return null;
        }
    }
}
