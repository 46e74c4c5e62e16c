package meros.core.lifecycle;

import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.host.Binfmt;
import meros.core.host.Kvm;
import meros.core.host.Privileges;
import meros.core.image.BuildTools;
import meros.core.image.ImageBuilder;
import meros.core.image.MirrorUnreachable;
import meros.core.image.Progress;
import meros.core.manifest.Bridge;
import meros.core.manifest.Forward;
import meros.core.manifest.Manifest;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.Dns;
import meros.core.net.HostNet;
import meros.core.net.NftRules;
import meros.core.qemu.Accel;
import meros.core.qemu.AgentSocket;
import meros.core.qemu.Displays;
import meros.core.qemu.Forwards;
import meros.core.qemu.QemuArgs;
import meros.core.qemu.RunState;
import meros.core.qemu.VmRuntime;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.ssh.SshAccess;
import meros.core.state.Lock;
import meros.core.state.NetState;
import meros.core.state.StateDir;
import meros.core.state.VmState;
import meros.core.wait.Deadline;
import meros.core.wait.Timeouts;
import meros.core.wait.Poll;
import meros.core.wait.Wait;
import meros.core.wait.WaitFailed;
import meros.core.wait.WaitTimeout;
import meros.core.wait.Wakeup;

import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Brings a constellation (or some of its VMs) up and down: lock, disks, network, QEMU processes, readiness.
 * Progress goes to the {@code out} consumer one line at a time.
 */
public final class Lifecycle {
    /** Builds missing and out-of-date disks (the image builder); called before any VM starts. */
    public interface DiskBuilder {
        void build(Manifest m, List<String> vms);
    }

    private final Home home;
    private final Consumer<String> out;
    private DiskBuilder diskBuilder;
    private final Set<String> notices = new HashSet<>();
    private Vm.Accel accelOverride;
    private boolean cold;
    private boolean saveBoots = true;
    private String accelEnv = System.getenv(Accel.ENV);

    /**
     * How long a VM that {@code accel: auto} started under KVM gets to show progress (its kernel's first line on the
     * serial console, the guest agent, or SSH) before it is killed and started again under TCG. A working KVM prints
     * the first line well under a second after QEMU starts; a nested hypervisor that hangs guests prints nothing.
     */
    public static final Duration KVM_WATCHDOG = Duration.ofSeconds(8);
    /**
     * The watchdog's window for a VM whose {@code kernel_args} keep the kernel's banner off the console
     * ({@code quiet}, {@code loglevel=N} with N at most 5: {@link QemuArgs#kernelBannerOnConsole}). Its first output
     * is then a later kernel warning or userspace (systemd, the serial getty), a few seconds into the boot under a
     * working KVM, and any output counts as progress.
     */
    public static final Duration KVM_WATCHDOG_QUIET = Duration.ofSeconds(60);
    /** How often {@code init} says that it is still waiting for a VM, and on what. */
    public static final Duration WAIT_REPORT_INTERVAL = Duration.ofSeconds(15);
    /** The least time a re-attached VM gets to answer, however long ago it started. */
    public static final Duration REATTACH_MIN_WAIT = Duration.ofSeconds(30);
    /** How often a booting VM is checked for readiness. */
    static final Duration READINESS_POLL = Duration.ofMillis(250);
    /**
     * The TCP connect of a readiness login and the wait for the guest's first byte (sshd's banner): in user mode QEMU
     * accepts at once and the guest says nothing until its network and sshd are up. Not shorter: a connection the
     * guest did accept but answers late is given up, and sshd still starts a process for it (dozens of those filled
     * sshd's MaxStartups on a busy host).
     */
    static final Duration READINESS_CONNECT = Duration.ofSeconds(5);
    /**
     * How long a readiness login waits between reads once sshd has answered. A guest's first SSH connection after
     * boot starts sshd's per-connection process cold, which under TCG on a busy host took more than 5 s: a shorter
     * limit gave the login up just before it would have worked, and the next one started over.
     */
    static final Duration READINESS_HANDSHAKE = Duration.ofSeconds(20);

    public Lifecycle(Home home, Consumer<String> out) {
        this.home = home;
        this.out = out;
        this.diskBuilder = (m, vms) -> new ImageBuilder(home).build(m, vms, new Progress() {
            @Override public void begin(String step) { out.accept("  " + step + " ..."); }
            @Override public void update(String step, double elapsed, String detail) { }
            @Override public void end(String step, double elapsed, String outcome) { out.accept("  " + Progress.format(elapsed, step, outcome)); }
            @Override public void note(String message) { out.accept("  " + message); }
        });
    }

    /**
     * Overrides every VM's {@code accel} for this run ({@code init --accel}); null keeps {@code MEROS_ACCEL}, then
     * the manifest.
     */
    public Lifecycle accel(Vm.Accel override) { this.accelOverride = override; return this; }

    /**
     * {@code init --cold}: boot every VM even when a saved boot of it exists (default false: resume it). A VM that
     * becomes ready after a cold boot still gets its boot saved when none exists under the current key.
     */
    public Lifecycle cold(boolean cold) { this.cold = cold; return this; }

    /** Whether a VM's first ready cold boot is saved for later inits to resume (default true). */
    public Lifecycle saveBoots(boolean save) { this.saveBoots = save; return this; }

    /** The value of {@code MEROS_ACCEL} to honour (default: this process's environment); for tests. */
    public Lifecycle accelEnv(String value) { this.accelEnv = value; return this; }

    /** Takes the logged-in SSH connection that showed a VM ready. */
    @FunctionalInterface
    public interface ReadyConnection {
        /**
         * @param vm         the VM's name
         * @param user       the user the connection is logged in as ({@code root} for a resumed guest, else the VM's user)
         * @param connection logged in; the receiver closes it
         */
        void accept(String vm, String user, SshAccess connection);
    }

    private ReadyConnection readyConnections;

    /**
     * Receives, per VM, the logged-in SSH connection that showed it ready, instead of closing it: the first command
     * after {@code init} or {@code reset} then needs no login of its own (a login in a guest that has just resumed
     * took seconds under TCG, whose translated code starts empty in a new QEMU). Default: closed.
     */
    public Lifecycle readyConnections(ReadyConnection sink) { this.readyConnections = sink; return this; }

    /** How missing and out-of-date disks get built (default: the image builder, step lines to {@code out}). */
    public Lifecycle diskBuilder(DiskBuilder b) { this.diskBuilder = b; return this; }

    /** Builds missing and out-of-date disks with the image builder, reporting to the given progress. */
    public Lifecycle buildProgress(Progress p) {
        this.diskBuilder = (m, vms) -> new ImageBuilder(home).build(m, vms, p);
        return this;
    }

    /** Whether a VM runs on user-mode networking: {@code network: user}, or {@code auto} without root. */
    public static boolean userNet(Vm vm) {
        return switch (vm.network()) {
            case USER -> true;
            case BRIDGE -> false;
            case AUTO -> !Privileges.isRoot();
        };
    }

    public List<String> select(Manifest m, List<String> vms) {
        if (vms == null || vms.isEmpty()) return m.vmNames();
        for (String v : vms) m.vm(v);
        return List.copyOf(new LinkedHashSet<>(vms));
    }

    /**
     * When every VM already runs, {@code init} starts nothing on the host, but the DNS forwarders this constellation
     * recorded in {@code net.json} may have ended since (killed, or crashed): each such dnsmasq is started again, as
     * root (who started it), and a line says so. A running one is left alone.
     */
    private void restartEndedDns(Manifest m, StateDir sd) {
        List<String> recorded = NetState.read(sd.netJson()).dns();
        if (recorded.isEmpty() || !Privileges.isRoot()) return;
        Dns dns = new Dns(sd.dir());
        List<Bridge> ended = new ArrayList<>();
        for (String b : recorded) if (m.bridges().containsKey(b) && dns.running(b).isEmpty()) ended.add(m.bridges().get(b));
        if (ended.isEmpty()) return;
        for (String line : new HostNet(m.name(), sd).dnsUp(ended, m)) out.accept("restarted " + line + ": its dnsmasq had ended");
    }

    /** One VM's outcome of {@code init}. */
    public record Started(String vm, boolean reattached, boolean ready, double seconds, String how, String serialTail) { }

    /**
     * The core of {@code Constellation.init}: builds what is missing, starts or re-attaches the VMs and waits for
     * them. A VM of this constellation still running that the manifest no longer names (renamed or removed since it
     * was started) is named in a line on {@code out}; {@link #shutdown} stops it.
     */
    public List<Started> init(Manifest m, List<String> vmNames) {
        StateDir sd = StateDir.of(home, m.name());
        try (Lock lock = Lock.acquire(sd, m.name())) {
            List<String> names = select(m, vmNames);
            Map<String, VmRuntime> rts = new LinkedHashMap<>();
            for (String n : names) rts.put(n, new VmRuntime(home, m.name(), m.vm(n)));
            VmRuntime.unnamedRunning(home, m.name(), m.vmNames()).forEach((n, r) -> out.accept(n + ": still running (pid "
                    + r.livePid().orElse(0) + "), but " + NOT_IN_MANIFEST + "; 'meros shutdown " + m.name() + "' stops it"));

            List<String> toStart = new ArrayList<>();
            List<VmRuntime> toAttach = new ArrayList<>();
            List<Started> result = new ArrayList<>();
            for (VmRuntime r : rts.values()) {
                if (r.running()) {
                    VmRuntime.Status s = r.status(); // over QMP: proves the process is the VM and answers
                    out.accept(r.vm().name() + ": already running (pid " + s.pid() + ", " + s.state() + "), re-attached"
                            + wake(r, s.state(), m.name()) + changedUnder(m.name(), r.vm(), r.runningArgv()) + outdatedUnder(m, r)
                            + (cold ? "; --cold does not restart a running VM ('shutdown " + m.name() + " " + r.vm().name() + "' first)" : ""));
                    toAttach.add(r);
                } else {
                    toStart.add(r.vm().name());
                }
            }
            if (toStart.isEmpty()) {
                restartEndedDns(m, sd);
                for (VmRuntime r : toAttach) result.add(attachAndWait(r));
                return checked(m, result);
            }

            for (String n : toStart) {
                Vm vm = m.vm(n);
                Binfmt.requireSystemEmulator(vm.arch(), n);
                Displays.require(vm);
                if (vm.network() == Vm.NetworkMode.BRIDGE && !Privileges.isRoot() && !vm.networks().isEmpty()) {
                    throw new MerosException(ExitCode.USAGE, "vm '" + n + "' has network: bridge, which needs root (or use network: user)");
                }
            }
            List<String> refused = new ArrayList<>();
            for (String n : toStart) {
                Vm vm = m.vm(n);
                if (!vm.forwards().isEmpty() && !userNet(vm) && vm.networks().isEmpty()) {
                    refused.add("vm " + n + " has forwards: but no network interface to forward to (add networks: or use network: user)");
                }
            }
            refused.addAll(Forwards.clashes(home, m.name(), toStart.stream().map(m::vm).toList()));
            for (String n : toStart) {
                String p = rts.get(n).paths().socketPathProblem(m.vm(n).mounts().stream().map(Mount::tag).toList());
                if (p != null) refused.add("vm " + n + ": " + p);
            }
            if (!refused.isEmpty()) {
                throw MerosException.usage(refused.size() == 1 ? refused.get(0) : "cannot start " + m.name() + ":\n  " + String.join("\n  ", refused));
            }
            // what the host must offer bridged VMs, before anything is built or made
            Set<Bridge> bridgedEarly = new LinkedHashSet<>();
            for (String n : toStart) {
                if (userNet(m.vm(n))) continue;
                for (Nic nic : m.vm(n).networks()) {
                    Bridge b = m.bridges().get(nic.bridge());
                    if (b != null) bridgedEarly.add(b);
                }
            }
            boolean anyBridged = toStart.stream().anyMatch(n -> !userNet(m.vm(n)) && !m.vm(n).networks().isEmpty());
            // network: every bridge a bridged VM of the constellation uses (the nft table covers them all), taps of the VMs starting
            Set<String> usedBridges = new LinkedHashSet<>();
            for (Vm vm : m.vms().values()) {
                if (!userNet(vm)) for (Nic nic : vm.networks()) usedBridges.add(nic.bridge());
            }
            HostNet net = new HostNet(m.name(), sd);
            List<Bridge> all = new ArrayList<>();
            for (Bridge b : m.bridges().values()) if (usedBridges.contains(b.name())) all.add(b);
            if (anyBridged) {
                for (String tool : BRIDGE_TOOLS) BuildTools.require(tool); // named with their package, before anything is built
                HostNet.requireTun();
                HostNet.requireIpForwarding(bridgedEarly);
                HostNet.requireFreeSubnets(bridgedEarly);
                List<Nic> taps = new ArrayList<>();
                for (String n : toStart) if (!userNet(m.vm(n))) taps.addAll(m.vm(n).networks());
                net.refuseForeign(all, taps); // before anything is built or made: a clash changes nothing on the host
            }
            buildOutOfDate(m, toStart);

            // acceleration and ports are decided before the parallel start, and before anything is made on the host:
            // a refused acceleration (kvm asked for where KVM is unusable) leaves no bridge or tap behind
            Map<String, Vm.Accel> accel = new LinkedHashMap<>();
            Map<String, Accel.Requested> asked = new LinkedHashMap<>();
            Map<String, Integer> ports = new LinkedHashMap<>();
            Set<Integer> taken = new HashSet<>();
            for (String n : toStart) {
                Accel.Requested req = Accel.requested(m.vm(n), accelOverride, accelEnv);
                asked.put(n, req);
                accel.put(n, Accel.resolve(m.vm(n), req, home, rts.get(n).kernel(), this::noticeOnce));
                if (userNet(m.vm(n))) {
                    int p;
                    do { p = VmRuntime.freeLoopbackPort(); } while (!taken.add(p));
                    ports.put(n, p);
                }
            }

            if (anyBridged) {
                List<NftRules.VmForwards> fwds = new ArrayList<>();
                for (Vm vm : m.vms().values()) {
                    if (userNet(vm) || vm.networks().isEmpty()) continue;
                    Nic first = vm.networks().get(0);
                    // a VM that keeps running keeps its forwards, live ones included: the table is loaded anew
                    VmRuntime r = rts.containsKey(vm.name()) ? rts.get(vm.name()) : new VmRuntime(home, m.name(), vm);
                    List<Forward> keep = toStart.contains(vm.name()) || !r.running() ? vm.forwards() : Forwards.active(r.paths());
                    fwds.add(new NftRules.VmForwards(vm.name(), first.bridge(), first.ip(), keep));
                }
                for (String line : net.bridgesUp(all, fwds)) out.accept((line.startsWith("net.") ? "enabled " : "created ") + line);
                for (String line : net.dnsUp(all, m)) out.accept("started " + line);
                for (String n : toStart) {
                    Vm vm = m.vm(n);
                    if (!userNet(vm)) for (Nic nic : vm.networks()) net.tapUp(nic);
                }
            }
            Map<String, Integer> mcast = new LinkedHashMap<>();
            for (Bridge b : m.bridges().values()) mcast.put(b.name(), QemuArgs.mcastPort(home.root(), m.name(), b.name()));

            AtomicBoolean kvmGaveUp = new AtomicBoolean();
            Map<String, Callable<Started>> jobs = new LinkedHashMap<>();
            for (String n : toStart) {
                VmRuntime r = rts.get(n);
                String key = SavedBoot.key(m.name(), r, accel.get(n), userNet(m.vm(n)), mcast);
                for (String stale : SavedBoot.removeStale(home, m.name(), n, key)) {
                    out.accept(n + ": removed saved boot " + stale + " (the VM, its image, kernel or QEMU changed)");
                }
                String incomplete = cold ? null : SavedBoot.incomplete(home, m.name(), n, key);
                if (incomplete != null) {
                    SavedBoot.remove(home, m.name(), n, key);
                    out.accept(n + ": saved boot " + key.substring(0, 12) + " is incomplete (" + incomplete + "); removed it, booting cold");
                }
                SavedBoot saved = cold || !m.vm(n).mounts().isEmpty() ? null : SavedBoot.find(home, m.name(), n, key);
                Boot b = new Boot(r, asked.get(n), accel.get(n), ports.getOrDefault(n, 0), mcast, kvmGaveUp, saved);
                jobs.put(n, () -> startAndWait(b));
            }
            for (VmRuntime r : toAttach) jobs.put(r.vm().name(), () -> attachAndWait(r));
            var outcomes = Parallel.run("meros-init", jobs, "interrupted while starting " + m.name()
                    + " (VMs started so far keep running; 'shutdown " + m.name() + "' removes them)");
            result.addAll(Parallel.values(outcomes, out));
            return checked(m, result);
        }
    }

    /**
     * Builds the disks of the VMs about to start that are missing ({@code building box first}) or out of date against the
     * manifest ({@code box: image out of date (includes changed); rebuilding}), in one build through the
     * {@link DiskBuilder}; lines go to {@code out}. {@link #init} passes only the VMs it is about to start: the disks of
     * running VMs stay as they are under them. Blocks for the build; its errors ({@code MerosException}) pass through.
     * Does not take the constellation's lock ({@code init} holds it).
     */
    public void buildOutOfDate(Manifest m, List<String> toStart) {
        ImageBuilder images = new ImageBuilder(home);
        List<String> missing = new ArrayList<>();
        List<String> build = new ArrayList<>();
        for (String n : toStart) {
            ImageBuilder.Status st = images.status(m, n);
            if (st.notice() != null) out.accept(n + ": " + st.notice());
            if (st.upToDate()) continue;
            if (!st.exists()) missing.add(n);
            else out.accept(n + ": image out of date (" + st.outOfDate() + "); rebuilding");
            build.add(n);
        }
        if (!missing.isEmpty()) out.accept("building " + String.join(", ", missing) + " first");
        if (build.isEmpty()) return;
        try {
            diskBuilder.build(m, build);
        } catch (MirrorUnreachable e) {
            // offline (or in a network namespace): a disk that exists still boots, as it was built; a missing one cannot
            if (!missing.isEmpty()) throw e;
            for (String n : build) {
                if (!images.status(m, n).upToDate()) {
                    out.accept(n + ": not rebuilt (" + e.getMessage() + "); booting the disk as it was built ('build "
                            + m.name() + "' rebuilds it)");
                }
            }
        }
    }

    /** The outcomes, or an error naming every VM that did not come up (they keep running). */
    private static List<Started> checked(Manifest m, List<Started> result) {
        List<Started> late = result.stream().filter(s -> !s.ready()).toList();
        if (late.isEmpty()) return result;
        String keep = " (" + (late.size() == 1 ? "it keeps" : "they keep") + " running: 'info " + m.name()
                + "' shows " + (late.size() == 1 ? "it" : "them") + ", 'shutdown " + m.name() + "' stops " + (late.size() == 1 ? "it" : "them") + ")";
        throw new MerosException(ExitCode.FAILED, late.size() == 1
                ? "vm " + late.get(0).vm() + " did not come up in " + Deadline.format(Duration.ofMillis((long) (late.get(0).seconds() * 1000))) + keep
                : late.size() + " VMs did not come up in time: " + String.join(", ", late.stream().map(Started::vm).toList()) + keep);
    }

    private void noticeOnce(String s) {
        synchronized (notices) {
            if (notices.add(s)) out.accept(s);
        }
    }

    /** One VM's start: what was asked for, what was decided, its ports, and the flag the VMs of one init share. */
    private record Boot(VmRuntime r, Accel.Requested asked, Vm.Accel accel, int sshPort, Map<String, Integer> mcast,
                        AtomicBoolean kvmGaveUp, SavedBoot saved) { }

    private VmState start(Boot b, Vm.Accel accel) {
        Vm vm = b.r().vm();
        try {
            return b.r().start(accel, userNet(vm), b.sshPort(), b.mcast(), why -> out.accept(vm.name() + ": " + why
                    + ": it starts on a new one (what the VM wrote to its disk and its snapshots are gone)"));
        } catch (MerosException e) {
            // accel auto trusted the probe, but QEMU refused KVM for this VM (a nested hypervisor can pass the probe
            // and still reject the VM's CPU model): fall back to TCG rather than fail, and record KVM as unusable
            // once QEMU has started under TCG
            if (accel != Vm.Accel.KVM || b.asked().accel() != Vm.Accel.AUTO) throw e;
            out.accept(vm.name() + ": QEMU failed under KVM, retrying with TCG (" + e.getMessage() + ")");
            VmState st = b.r().start(Vm.Accel.TCG, userNet(vm), b.sshPort(), b.mcast());
            // only a failure that TCG does not share is KVM's: a bad qemu_args fails both ways and leaves the verdict
            Kvm.recordUnusable(home, "QEMU exited at once under KVM for vm " + vm.name() + " (" + e.getMessage() + ")");
            return st;
        }
    }

    /** Resumes the VM's saved boot when there is one (falling back to a cold boot), else boots it and saves the boot. */
    private Started startAndWait(Boot b) {
        VmRuntime r = b.r();
        String name = r.vm().name();
        StateDir.of(home, r.constellation()).createVm(name);
        if (b.saved() != null) {
            try {
                return resumeAndWait(b);
            } catch (MerosException e) {
                if (e.exitCode() == ExitCode.INTERRUPTED || e instanceof GuestRefused) throw e;
                r.kill();
                // a missing host tool says nothing about the saved state, and a cold boot needs the tool too
                if (e.exitCode() == ExitCode.MISSING_TOOL) throw e;
                b.saved().remove();
                out.accept(name + ": resuming saved boot " + b.saved().shortKey() + " failed (" + e.getMessage() + "); removed it, booting cold");
            }
        }
        SavedBoot.recordStarted(r, "cold");
        Started s = coldStartAndWait(b);
        if (s.ready() && saveBoots) saveBoot(r, b.mcast());
        return s;
    }

    /** Saves a VM's boot unless one exists under its key; a failure is reported and does not fail {@code init}. */
    private void saveBoot(VmRuntime r, Map<String, Integer> mcast) {
        String c = r.constellation();
        Vm vm = r.vm();
        VmState st = r.recorded();
        Vm.Accel accel = st != null && st.accel() == Vm.Accel.KVM ? Vm.Accel.KVM : Vm.Accel.TCG;
        if (!vm.mounts().isEmpty()) {
            // QEMU cannot migrate a VM with a virtiofs or mounted 9p device, so there is nothing to save
            out.accept(vm.name() + ": no saved boot (QEMU cannot save a VM with shared folders); every init boots it cold");
            return;
        }
        String key = SavedBoot.key(c, r, accel, userNet(vm), mcast);
        if (SavedBoot.find(home, c, vm.name(), key) != null) return;
        awaitBootFinished(r);
        try {
            SavedBoot sb = SavedBoot.save(home, c, r, key);
            out.accept(String.format("%s: saved its boot %s (%s on disk, paused %.1f s); the next init resumes it",
                    vm.name(), sb.shortKey(), mib(sb.bytes()), sb.record().seconds()));
        } catch (MerosException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) throw e;
            if (Thread.currentThread().isInterrupted()) { // the interrupt ended the save through its QMP connection
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted while saving the boot of " + vm.name(), e);
            }
            out.accept(vm.name() + ": could not save its boot (" + e.getMessage() + "); the next init boots it cold");
        }
    }

    /**
     * How long a VM that answers may take to finish its boot (systemd's job queue empty) before its state is saved as
     * it is.
     */
    static final Duration BOOT_FINISH_WAIT = Duration.ofSeconds(60);

    /**
     * Waits until the guest has finished booting, so a saved boot is of a booted system and every VM resumed from it
     * does not repeat the rest of the boot: {@code systemctl is-system-running --wait} (systemctl(1): blocks until the
     * boot's jobs are done; "running" or "degraded") over SSH as the VM's user, at most {@link #BOOT_FINISH_WAIT}.
     * A guest without systemctl (Alpine's OpenRC), a wait that ends early or fails, is saved as it is.
     */
    private void awaitBootFinished(VmRuntime r) {
        Vm vm = r.vm();
        try (MachineAccess a = new MachineAccess(home, r.constellation(), vm.name(), vm.user())) {
            a.run("command -v systemctl >/dev/null && systemctl is-system-running --wait >/dev/null 2>&1; true", vm.user(),
                    OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), BOOT_FINISH_WAIT, notice -> { });
        } catch (MerosException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) throw e;
        }
    }

    static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / 1048576.0);
    }

    /** How long a resumed VM gets to answer SSH (or its guest agent). */
    public static final Duration RESUME_READY = Duration.ofSeconds(60);

    /** Starts the VM from its saved boot, sets its clock and waits until it answers. */
    private Started resumeAndWait(Boot b) {
        VmRuntime r = b.r();
        Vm vm = r.vm();
        long t0 = System.nanoTime();
        new MachineAccess(home, r.constellation(), vm.name(), vm.user()).warmUpSsh();
        VmState st = b.saved().resume(r, b.accel(), userNet(vm), b.sshPort(), b.mcast());
        SavedBoot.recordStarted(r, "resumed " + b.saved().record().key());
        out.accept(started(vm, st, st.accel().text()) + " from saved boot " + b.saved().shortKey() + ", resumed");
        long loaded = System.nanoTime();
        out.accept(String.format("%s: state loaded in %.1f s", vm.name(), (loaded - t0) / 1e9));
        return clockSetAndReady(r, st, t0);
    }

    /**
     * Sets a resumed guest's clock (through its guest agent) while waiting for it to answer SSH: both start at once,
     * and this returns when both are done, so the VM is ready with the host's time and no later than the slower of
     * the two (at most {@link #RESUME_READY} for the answer, {@link ResumedGuest#LIMIT} for the clock).
     *
     * @throws MerosException when it does not answer in time (the caller boots the VM cold instead)
     */
    private Started clockSetAndReady(VmRuntime r, VmState st, long t0) {
        CompletableFuture<ResumedGuest.Clock> clock = ResumedGuest.setClockAsync(r);
        Started s = awaitResumed(r, st, t0, RESUME_READY);
        ResumedGuest.Clock c = ResumedGuest.await(clock);
        if (c.set()) SavedBoot.recordClockSet(r);
        out.accept(r.vm().name() + ": " + c.describe());
        return s;
    }

    /**
     * Waits until a VM that is already running its saved state answers SSH (or, without SSH, its guest agent), at
     * most {@code limit}; the same readiness check a cold boot gets.
     *
     * @throws MerosException when it does not answer in time (the caller boots the VM cold instead)
     */
    Started awaitResumed(VmRuntime r, VmState st, long t0, Duration limit) {
        Started s = awaitReady(r, st, t0, Deadline.after(limit), false, true, true);
        if (!s.ready()) throw MerosException.failed("vm " + r.vm().name() + " did not answer within " + limit.toSeconds() + " s of resuming");
        return s;
    }

    private Started coldStartAndWait(Boot b) {
        VmRuntime r = b.r();
        Vm vm = r.vm();
        long t0 = System.nanoTime();
        VmState st = start(b, b.accel());
        announce(vm, st);
        if (st.accel() == Vm.Accel.KVM && !kernelStartsUnderKvm(b)) {
            String seen = seenOnSerial(r);
            String window = Kvm.seconds(kvmWatchdog(vm));
            r.kill();
            if (b.asked().accel() == Vm.Accel.KVM) {
                throw MerosException.failed("vm " + vm.name() + " made no progress under KVM in " + window + " (" + seen
                        + "); KVM on this host does not run it: use accel auto or tcg (" + b.asked().source() + " asked for kvm)");
            }
            if (b.kvmGaveUp().compareAndSet(false, true)) {
                Kvm.recordUnusable(home, "vm " + vm.name() + " made no progress under KVM in " + window + " (" + seen + ")");
                out.accept(vm.name() + ": no progress under KVM in " + window + " (" + seen
                        + "): KVM recorded as unusable on this host; restarting under TCG");
            } else {
                out.accept(vm.name() + ": restarting under TCG (KVM is unusable on this host)");
            }
            st = r.start(Vm.Accel.TCG, userNet(vm), b.sshPort(), b.mcast());
            announce(vm, st);
        }
        // a boot about to be saved must not hold meros's session: the resumed copies would all start with it
        boolean handOver = !(saveBoots && vm.mounts().isEmpty());
        Duration bootTimeout = Duration.ofSeconds(vm.bootTimeoutSeconds());
        try {
            return awaitReady(r, st, t0, Deadline.after(bootTimeout), false, false, handOver);
        } catch (GuestPanicked e) {
            if (st.accel() != Vm.Accel.TCG || vm.cpus() < 2) throw e;
            out.accept(vm.name() + ": restarting under single-threaded TCG (" + QemuArgs.TCG_SINGLE_THREADED + "): a kernel can panic"
                    + " under multi-threaded TCG when a vCPU runs code another vCPU has just rewritten (docs/run.md, \"Waiting for a VM\")");
            r.kill();
            st = r.startSingleThreadedTcg(userNet(vm), b.sshPort(), b.mcast());
            out.accept(started(vm, st, "tcg single-threaded"));
            try {
                return awaitReady(r, st, t0, Deadline.after(bootTimeout), false, false, handOver);
            } catch (GuestPanicked again) {
                throw new GuestPanicked("vm " + vm.name() + ": " + panicked(" under multi-threaded TCG and again under single-threaded TCG",
                        again.panic), again.panic);
            }
        }
    }

    private void announce(Vm vm, VmState st) {
        out.accept(started(vm, st, st.accel().text()));
    }

    /** {@code box: started (pid 4730, tcg, ssh 127.0.0.1:41234)}: the line of a VM whose QEMU runs. */
    private static String started(Vm vm, VmState st, String accel) {
        return vm.name() + ": started (pid " + st.pid() + ", " + accel + ", "
                + (st.sshHost() == null ? "no SSH" : "ssh " + st.sshHost() + ":" + st.sshPort()) + ")";
    }

    /**
     * The boot watchdog: true when the VM's kernel prints its first line on the serial console (or the VM is already
     * answering) within {@link #KVM_WATCHDOG}; for a VM whose {@code kernel_args} keep that line off the console, when
     * anything reaches the serial console within {@link #KVM_WATCHDOG_QUIET}. False when it does not, or when another
     * VM of the same init found KVM unusable meanwhile.
     */
    private boolean kernelStartsUnderKvm(Boot b) {
        VmRuntime r = b.r();
        boolean banner = QemuArgs.kernelBannerOnConsole(r.vm().kernelArgs());
        try {
            Wait.until(banner ? "its kernel's first line on the serial console under KVM" : "its first output on the serial console under KVM", d -> {
                if (banner ? kernelStarted(r) : !r.serialLastLine().isEmpty()) return Poll.done(true);
                if (!r.running()) return Poll.done(true); // QEMU exited: the readiness wait reports it
                if (b.kvmGaveUp().get()) return Poll.never("another VM found KVM unusable");
                String last = r.serialLastLine();
                return Poll.pending(last.isEmpty() ? "the serial log is empty" : "last serial line: " + last);
            }).subject(r.label()).every(READINESS_POLL).await(kvmWatchdog(r.vm()));
            return true;
        } catch (WaitTimeout | WaitFailed e) {
            return false;
        }
    }

    /**
     * How long sshd may refuse meros's key before readiness gives up at once: a booting Debian guest's pam_nologin
     * ({@code /run/nologin}, removed by {@code systemd-user-sessions.service}) refuses every user but root for a
     * while after sshd starts. A key that is really not authorized gets no login within this time of its first
     * refusal (the connections sshd's PerSourcePenalties drops in between count as no login) and ends the wait then.
     */
    static final Duration KEY_REFUSAL_GRACE = Duration.ofSeconds(30);

    /** The guest answered and refused meros (e.g. its key): final, neither retried nor worked around by a cold boot. */
    static final class GuestRefused extends MerosException {
        GuestRefused(String message) { super(ExitCode.FAILED, message); }
    }

    /** The guest's kernel panicked before the VM answered; QEMU keeps running (for {@code info} and the serial log). */
    static final class GuestPanicked extends MerosException {
        /** The kernel's panic line, e.g. {@code Kernel panic - not syncing: Fatal exception in interrupt}. */
        final String panic;

        GuestPanicked(String message, String panic) {
            super(ExitCode.FAILED, message);
            this.panic = panic;
        }
    }

    /**
     * What the error says of a VM whose kernel panicked: {@code when} ("", or e.g. " under multi-threaded TCG and again
     * under single-threaded TCG"), the panic's line, and that QEMU keeps running.
     */
    private static String panicked(String when, String panic) {
        return "the guest's kernel panicked" + when + " (" + panic + "; QEMU keeps running for 'info' and the serial log)";
    }

    /**
     * Waits until the VM answers: an SSH login with the pinned key (or, without an SSH endpoint, its guest agent).
     * Says every {@link #WAIT_REPORT_INTERVAL} what it waits for and the last serial line.
     *
     * @param t0       when this VM's start began (System.nanoTime), for the reported ready time
     * @param resumed  the VM runs a saved boot: logged into as root first (see docs/run.md, "Waiting for a VM")
     * @param handOver the login that answered goes to {@link #readyConnections}; else, or without one, it is closed
     * @return the VM ready, or not ready when the deadline passed (the VM keeps running)
     * @throws MerosException when QEMU exits during boot, the host key does not match, or the guest refuses the key
     */
    private Started awaitReady(VmRuntime r, VmState st, long t0, Deadline deadline, boolean reattached, boolean resumed, boolean handOver) {
        Vm vm = r.vm();
        // A resumed guest is logged into as root first: scenario commands (succeed, execute) run as root, and the
        // connection is handed on to them. A booting guest is logged into as its user, whom pam_nologin refuses
        // until logins are allowed (root is let in earlier). A refused root login falls back to the user at once.
        AtomicReference<String> loginUser = new AtomicReference<>(resumed && !"root".equals(vm.user()) ? "root" : vm.user());
        // No banner probes: OpenSSH (PerSourcePenalties) penalises connections that never try to authenticate, and
        // enough of them make sshd drop the next real login. On a bridge one plain TCP connect shows sshd listens;
        // in user mode QEMU accepts on the guest's behalf, so logins are tried right away; an attempt waiting for a banner
        // the guest cannot send yet does not hold up the next one (LoginAttempts overlaps them).
        boolean[] listening = {st.sshHost() != null && st.userNet()};
        String waitingFor = st.sshHost() == null ? "the guest agent" : "SSH on " + st.sshHost() + ":" + st.sshPort();
        long[] nextReport = {System.nanoTime() + WAIT_REPORT_INTERVAL.toNanos()};
        long[] firstRefusal = {0};
        String[] refusal = {null};
        String[] panic = {null};
        SshAccess[] kept = {null};
        String[] keptUser = {null};
        Wakeup loginEnded = new Wakeup();
        try (LoginAttempts<Login> logins = new LoginAttempts<Login>(answered -> sshLogin(r, loginUser.get(), answered), Login::close,
                "meros-login-" + r.label()).signalOnEnd(loginEnded)) {
            String how = Wait.until(vm.name() + " to answer " + waitingFor, d -> {
                if (st.sshHost() != null && !listening[0]) listening[0] = Readiness.tcpOpen(st.sshHost(), st.sshPort(), 500);
                if (listening[0]) {
                    List<Login> ended = logins.poll();
                    Login ok = ended.stream().filter(l -> l.outcome() == Login.Outcome.OK).findFirst().orElse(null);
                    ended.stream().filter(l -> l != ok).forEach(Login::close);
                    if (ok != null) {
                        kept[0] = ok.connection();
                        keptUser[0] = ok.user();
                        return Poll.done("ssh");
                    }
                    for (Login login : ended) {
                        if (login.outcome() == Login.Outcome.REFUSED && "root".equals(login.user()) && !"root".equals(vm.user())) {
                            loginUser.set(vm.user());
                            continue;
                        }
                        if (login.outcome() == Login.Outcome.FINAL) return Poll.never(login.detail());
                        if (login.outcome() == Login.Outcome.REFUSED) {
                            // while a guest boots, pam_nologin refuses users other than root until
                            // systemd-user-sessions.service runs, after sshd may have started: a refusal is final only
                            // once it outlasts that window
                            if (firstRefusal[0] == 0) firstRefusal[0] = System.nanoTime();
                            refusal[0] = login.detail();
                        }
                    }
                    // after a refusal, sshd's PerSourcePenalties drops the next connections: they do not restart the grace
                    if (refusal[0] != null) {
                        if (System.nanoTime() - firstRefusal[0] >= KEY_REFUSAL_GRACE.toNanos()) throw new GuestRefused(refusal[0]);
                        return Poll.pending("sshd refused the key (logins may not be allowed yet while the guest boots)");
                    }
                }
                // the agent answers before sshd is up: it only decides when there is no SSH endpoint
                if (st.sshHost() == null && AgentSocket.ping(r.paths().qga(), 300)) return Poll.done("guest agent");
                if (!r.running()) {
                    out.accept(vm.name() + ": QEMU exited during boot; last serial lines:\n" + indent(r.serialTail(15)));
                    return Poll.never("QEMU exited during boot (" + r.status().reason() + ")");
                }
                String tail = r.serialTail(40); // one read per poll: the panic check and the progress line
                String panicLine = kernelPanic(tail);
                if (panicLine != null) {
                    panic[0] = panicLine;
                    out.accept(vm.name() + ": the guest's kernel panicked; its report on the serial console:\n"
                            + indent(panicReport(r.serialTail(PANIC_REPORT_LINES))));
                    return Poll.never(panicked("", panicLine));
                }
                String last = VmRuntime.lastLine(tail);
                if (System.nanoTime() > nextReport[0]) {
                    nextReport[0] += WAIT_REPORT_INTERVAL.toNanos();
                    out.accept(String.format("%s: waiting for %s (%.0f s of %d s; %s)", vm.name(), waitingFor, d.elapsed().toMillis() / 1000.0,
                            d.timeout().toSeconds(), last.isEmpty() ? "the serial log is empty" : "serial: " + last));
                }
                return Poll.pending(last.isEmpty() ? "the serial log is empty" : "serial: " + last);
            }).subject("vm " + vm.name()).every(READINESS_POLL).wakeUpOn(loginEnded)
                    .retryOn(e -> e instanceof MerosException me && !(me instanceof GuestRefused) && me.exitCode() != ExitCode.INTERRUPTED)
                    .await(deadline);
            double s = (System.nanoTime() - t0) / 1e9;
            out.accept(String.format("%s: ready in %.1f s (%s)", vm.name(), s, how));
            if (kept[0] != null) {
                if (readyConnections != null && handOver) readyConnections.accept(vm.name(), keptUser[0], kept[0]);
                else kept[0].close();
            }
            return new Started(vm.name(), reattached, true, s, how, null);
        } catch (WaitFailed e) {
            if (panic[0] != null) throw new GuestPanicked(e.getMessage(), panic[0]);
            throw MerosException.failed(e.getMessage());
        } catch (WaitTimeout e) {
            String tail = r.serialTail(15);
            out.accept(vm.name() + ": not ready after " + Deadline.format(deadline.timeout()) + "; "
                    + (tail.isBlank() ? emptySerialLog(vm) : "last serial lines:\n" + indent(tail)));
            return new Started(vm.name(), reattached, false, deadline.timeout().toMillis() / 1000.0, "timeout", Text.printable(tail));
        }
    }

    /**
     * For a VM that keeps running: what {@code init} would rebuild were it stopped (its image is out of date against the
     * manifest, includes or hooks), and how to get there, as {@code vagrant up} tells of a changed box; else "".
     */
    String outdatedUnder(Manifest m, VmRuntime r) {
        String n = r.vm().name();
        try {
            ImageBuilder.Status st = new ImageBuilder(home).status(m, n);
            if (!st.exists() || st.upToDate()) return "";
            return "; its image is out of date (" + st.outOfDate() + "): 'shutdown " + m.name() + " " + n + "' and 'init "
                    + m.name() + "' rebuild it and boot the new disk";
        } catch (RuntimeException e) {
            return ""; // a notice only: re-attaching does not depend on it
        }
    }

    /**
     * For a VM that keeps running: the memory and CPUs the manifest now gives it where they differ from those of the
     * QEMU command line it runs with ({@code -m}, {@code -smp}), and how to apply them, as {@code vagrant reload} does
     * for a changed Vagrantfile; else "" (also when that command line cannot be read).
     */
    static String changedUnder(String constellation, Vm vm, List<String> argv) {
        List<String> changed = settingsChanged(vm, argv);
        if (changed.isEmpty()) return "";
        return "; the manifest now gives it " + String.join(", ", changed) + ": 'shutdown " + constellation + " " + vm.name()
                + "' and 'init " + constellation + "' start it with them";
    }

    /** The memory and CPUs {@code vm} sets differently from the running QEMU's {@code argv}, e.g. {@code cpus 1 (it runs with 2)}. */
    static List<String> settingsChanged(Vm vm, List<String> argv) {
        List<String> changed = new ArrayList<>();
        String m = valueAfter(argv, "-m");
        if (m != null && !m.equals(vm.memoryMiB() + "M")) {
            changed.add("memory " + vm.memoryMiB() + " MiB (it runs with " + m.replaceAll("M$", " MiB") + ")");
        }
        String smp = valueAfter(argv, "-smp");
        if (smp != null && !smp.equals(Integer.toString(vm.cpus()))) {
            changed.add("cpus " + vm.cpus() + " (it runs with " + smp + ")");
        }
        return changed;
    }

    private static String valueAfter(List<String> argv, String option) {
        int i = argv.indexOf(option);
        return i >= 0 && i + 1 < argv.size() ? argv.get(i + 1) : null;
    }

    /**
     * Lets a re-attached VM whose CPUs are stopped run again, as {@code vagrant up} resumes a suspended machine: a paused
     * one ({@code pause}, or left paused by an interrupted snapshot) is continued (QMP {@code cont}), a guest suspended
     * to RAM is woken ({@code system_wakeup}); otherwise it could never answer the readiness check.
     *
     * @return what was done, to append to the "re-attached" line ("" when it was running)
     * @throws MerosException FAILED when the guest cannot run again ({@link RunState#guestCannotRun()}), before
     *                        anything is started
     */
    private static String wake(VmRuntime r, RunState state, String constellation) {
        if (state.guestCannotRun()) {
            throw MerosException.failed("vm " + r.vm().name() + " is " + state + " and cannot run again; last serial line: "
                    + r.serialLastLine() + " ('shutdown " + constellation + " " + r.vm().name() + "' first, then init)");
        }
        String wake = state.wakeCommand();
        if (wake == null) return "";
        r.qmp(wake, null, Timeouts.QMP_STOP_STEP);
        return wake.equals("cont") ? "; it was " + state + ": continued it (QMP cont)" : "; its guest was suspended: woke it (QMP system_wakeup)";
    }

    /**
     * A VM that is already running (started by an earlier init, perhaps one that was killed while it waited) gets the
     * same readiness check as a fresh start: until its boot timeout from its recorded start, at least
     * {@link #REATTACH_MIN_WAIT}.
     */
    private Started attachAndWait(VmRuntime r) {
        VmState st = r.recorded();
        long t0 = System.nanoTime();
        long bootSeconds = r.vm().bootTimeoutSeconds();
        long sinceStart = st == null ? 0 : Math.max(0, System.currentTimeMillis() - st.startedAt());
        // whole seconds, rounded up: the wait's messages name its length ("15 s of 102 s")
        Duration left = Duration.ofSeconds(bootSeconds - sinceStart / 1000);
        if (left.compareTo(REATTACH_MIN_WAIT) < 0) left = REATTACH_MIN_WAIT;
        if (st == null) return new Started(r.vm().name(), true, true, 0, "running (no vm.json: not checked)", null);
        Started s = awaitReady(r, st, t0, Deadline.after(left), true, false, true);
        if (s.ready() && SavedBoot.clockPending(r)) {
            // the init or reset that resumed it was interrupted before it set the clock: the guest has its saved boot's time
            ResumedGuest.Clock c = ResumedGuest.await(ResumedGuest.setClockAsync(r));
            if (c.set()) SavedBoot.recordClockSet(r);
            out.accept(r.vm().name() + ": " + (c.set() ? "its clock was never set after its resume: " : "") + c.describe());
        }
        return s;
    }

    /** The boot watchdog's window for this VM: {@link #KVM_WATCHDOG}, or {@link #KVM_WATCHDOG_QUIET} when its kernel is told to keep its banner off the console. */
    static Duration kvmWatchdog(Vm vm) {
        return QemuArgs.kernelBannerOnConsole(vm.kernelArgs()) ? KVM_WATCHDOG : KVM_WATCHDOG_QUIET;
    }

    /**
     * What an empty serial log after the boot timeout says about a VM: that its guest never started, unless its
     * {@code kernel_args} keep the kernel's messages off the console, when the log says nothing either way.
     */
    static String emptySerialLog(Vm vm) {
        if (!QemuArgs.kernelBannerOnConsole(vm.kernelArgs())) {
            return "the serial log is empty, and its kernel_args ('" + Text.printable(vm.kernelArgs().strip())
                    + "') keep the kernel's messages off the console; drop quiet/loglevel= to see how far the boot got";
        }
        return "the serial log is empty: the guest never started; acceleration? (" + Accel.ENV + "=tcg forces TCG)";
    }

    private static boolean kernelStarted(VmRuntime r) {
        return r.serialTail(400).contains("Linux version ");
    }

    private static String seenOnSerial(VmRuntime r) {
        String last = r.serialLastLine();
        return last.isEmpty() ? "the serial log is empty" : "last serial line: " + last;
    }

    /**
     * The line of a serial log's tail where the guest's kernel said it panicked ({@code Kernel panic - not syncing:
     * ...}, printed by Linux's panic()), without terminal controls; null when it did not. When a long call trace has
     * pushed that line out of the tail, the same words from panic()'s closing line ({@code ---[ end Kernel panic - not
     * syncing: ... ]---}), which is the last a panicked kernel prints. A panicked kernel stops: the wait for it ends at
     * once.
     */
    static String kernelPanic(String serialTail) {
        if (!serialTail.contains(PANIC)) return null; // the common case, looked at every poll: no line to clean
        List<String> lines = serialTail.lines().map(Text::printable).filter(l -> l.contains(PANIC)).toList();
        for (String l : lines) {
            if (!l.contains(PANIC_END)) return l.strip();
        }
        // the panic's own line scrolled out of the tail behind a long call trace: its closing line repeats the message
        for (String l : lines) {
            int at = l.indexOf(PANIC_END);
            if (at < 0) continue;
            String rest = l.substring(at + PANIC_END.length()).strip();
            if (rest.endsWith("]---")) rest = rest.substring(0, rest.length() - "]---".length()).strip();
            return (l.substring(0, at) + rest).strip();
        }
        return null;
    }

    private static final String PANIC = "Kernel panic - not syncing";

    /** At most how many serial lines {@link #panicReport} shows: an oops and the panic after it take 50–80. */
    static final int PANIC_REPORT_LINES = 120;

    /**
     * The kernel's reports that led to its panic, from a serial log's tail: from the first line in the tail that
     * begins a report ({@code ------------[ cut here ]------------}, {@code BUG:}, {@code Oops:}, {@code general
     * protection fault}) before the panic line, else from the panic line, to the end. A report's first lines say what
     * went wrong (a page fault, an int3, a BUG_ON); the last lines of a long call trace do not. The whole tail when it
     * holds no panic line.
     */
    static String panicReport(String tail) {
        List<String> lines = tail.lines().toList();
        int panicAt = -1;
        for (int i = 0; i < lines.size() && panicAt < 0; i++) {
            if (lines.get(i).contains(PANIC) && !lines.get(i).contains(PANIC_END)) panicAt = i;
        }
        if (panicAt < 0) return tail;
        int from = panicAt;
        for (int i = 0; i < panicAt; i++) {
            String l = lines.get(i);
            if (REPORT_STARTS.stream().anyMatch(l::contains)) {
                from = i;
                break;
            }
        }
        return String.join("\n", lines.subList(from, lines.size()));
    }

    /** How Linux begins a report of a kernel failure (lib/bug.c, arch/x86/kernel/dumpstack.c, traps.c). */
    private static final List<String> REPORT_STARTS = List.of("------------[ cut here ]------------", "BUG:", "Oops:",
            "general protection fault");
    /** How Linux's panic() closes its report: {@code ---[ end Kernel panic - not syncing: MESSAGE ]---}. */
    private static final String PANIC_END = "---[ end ";

    /**
     * What one SSH login found.
     *
     * @param detail why the login did not work (null for {@link Outcome#OK})
     */
    private record Login(Outcome outcome, String detail, String user, SshAccess connection) {
        Login(Outcome outcome, String detail, String user) { this(outcome, detail, user, null); }

        /** Closes the logged-in connection an OK login holds. */
        void close() {
            if (connection != null) connection.close();
        }

        /**
         * OK: {@code true} ran; RETRY: not yet (e.g. sshd not up); REFUSED: sshd refused meros's key (final once it
         * lasts {@link #KEY_REFUSAL_GRACE}); FINAL: it never will (e.g. a wrong host key).
         */
        enum Outcome { OK, RETRY, REFUSED, FINAL }

    }

    private Login sshLogin(VmRuntime r, String user, Runnable answered) {
        Vm vm = r.vm();
        MachineAccess access = new MachineAccess(home, r.constellation(), vm.name(), vm.user());
        SshAccess ssh = new SshAccess(() -> access.target(user), READINESS_CONNECT, READINESS_HANDSHAKE, answered);
        boolean keep = false;
        try {
            ExecResult res = ssh.exec("true", Duration.ofSeconds(30));
            keep = res.ok();
            return res.ok() ? new Login(Login.Outcome.OK, null, user, ssh) : new Login(Login.Outcome.RETRY, "ssh login ran 'true' with " + res.describe(), user);
        } catch (SshAccess.HostKeyMismatch e) {
            return new Login(Login.Outcome.FINAL, e.getMessage(), user);
        } catch (SshAccess.KeyRefused e) {
            return new Login(Login.Outcome.REFUSED, Readiness.keyRefused(vm.name(), e.user()), user);
        } catch (MerosException e) {
            return new Login(Login.Outcome.RETRY, e.getMessage(), user);
        } finally {
            if (!keep) ssh.close();
        }
    }

    private static String indent(String s) {
        return s.isBlank() ? "  (serial log is empty)" : s.lines().map(l -> "  | " + Text.printable(l)).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    /**
     * Puts every VM of the constellation back to the state right after {@code init} without booting: each VM's QEMU
     * is replaced by one that resumes the VM's saved boot on a fresh overlay (same acceleration, network and SSH port
     * as before), the clock is set, and SSH (or the agent) answers. VMs reset in parallel. Everything written since
     * {@code init} (files, processes, per-VM snapshots in the overlay) is gone. Blocks until every VM answers, at most
     * {@link #RESUME_READY} after its resume.
     *
     * @return one outcome per VM
     * @throws MerosException FAILED when a VM does not run or has no saved boot under its current key (checked for all
     *                        before any VM is touched), or does not come back (the first such VM; each other one goes to
     *                        {@code out} as {@code error: ...} first)
     */
    public List<Started> reset(Manifest m) {
        StateDir sd = StateDir.of(home, m.name());
        try (Lock lock = Lock.acquire(sd, m.name())) {
            Map<String, Integer> mcast = new LinkedHashMap<>();
            for (Bridge b : m.bridges().values()) mcast.put(b.name(), QemuArgs.mcastPort(home.root(), m.name(), b.name()));
            Map<String, Callable<Started>> jobs = new LinkedHashMap<>();
            for (String n : m.vmNames()) {
                VmRuntime r = new VmRuntime(home, m.name(), m.vm(n));
                VmState st = r.recorded();
                if (!r.running() || st == null) throw r.notRunning("reset needs every VM");
                Vm.Accel accel = st.accel() == Vm.Accel.KVM ? Vm.Accel.KVM : Vm.Accel.TCG;
                boolean user = st.userNet();
                SavedBoot sb = SavedBoot.find(home, m.name(), n, SavedBoot.key(m.name(), r, accel, user, mcast));
                if (sb == null) throw noSavedBootToResetTo(m, r);
                jobs.put(n, () -> {
                    long t0 = System.nanoTime();
                    new MachineAccess(home, m.name(), n, m.vm(n).user()).warmUpSsh();
                    r.kill();
                    VmState ns = sb.resume(r, accel, user, user ? st.sshPort() : 0, mcast);
                    SavedBoot.recordStarted(r, "resumed " + sb.record().key());
                    CompletableFuture<ResumedGuest.Clock> clock = ResumedGuest.setClockAsync(r);
                    Started s = awaitResumed(r, ns, t0, RESUME_READY);
                    ResumedGuest.Clock c = ResumedGuest.await(clock);
                    if (c.set()) SavedBoot.recordClockSet(r);
                    else out.accept(n + ": " + c.describe());
                    return s;
                });
            }
            return Parallel.values(Parallel.run("meros-reset", jobs, "interrupted while resetting " + m.name()), out);
        }
    }

    /**
     * Why {@code reset} cannot reset a running VM: it has no saved boot at all, or only ones of the VM as it was before
     * its manifest, image, kernel or QEMU changed (the key no longer fits; {@link #changedUnder} names changed memory
     * and CPUs).
     */
    private MerosException noSavedBootToResetTo(Manifest m, VmRuntime r) {
        String again = "'shutdown " + m.name() + "' and 'init " + m.name() + "'";
        List<SavedBoot> others = SavedBoot.all(home, m.name(), r.vm().name());
        if (others.isEmpty()) {
            return MerosException.failed("vm " + r.label() + " has no saved boot to reset to (init saves one when the VM first becomes ready; "
                    + again + " make one)");
        }
        List<String> changed = settingsChanged(r.vm(), r.runningArgv());
        return MerosException.failed("vm " + r.label() + " has no saved boot that fits it as its manifest now is: its saved boot "
                + String.join(", ", others.stream().map(SavedBoot::shortKey).toList()) + " is of the VM before its manifest, image, "
                + "kernel or QEMU changed" + (changed.isEmpty() ? "" : " (the manifest now gives it " + String.join(", ", changed) + ")")
                + "; " + again + " boot it as it is now and save that");
    }

    /** The host programs that make and remove bridges, taps and the nftables table of bridged VMs. */
    static final List<String> BRIDGE_TOOLS = List.of("ip", "nft");

    /** Said of a running VM that the manifest no longer names. */
    public static final String NOT_IN_MANIFEST = "no longer in the manifest";

    /**
     * Stops the VMs (all when none named, in parallel) and removes their taps; once no VM of the constellation runs,
     * removes bridges and the nftables table too. Every VM and the network teardown are tried even when one fails.
     * With no VM named it also stops each VM this constellation started that still runs but that the manifest no
     * longer names (renamed or removed since {@code init}; {@link VmRuntime#unnamedRunning}), and says so.
     * Blocks for each VM's stop: ACPI power-down up to {@code powerdownWait}, then {@code quit}, then SIGKILL.
     *
     * @throws MerosException FAILED naming every VM or network step that failed (what did succeed goes to {@code out} first)
     *
     * @return what was stopped and removed, one line each (empty: there was nothing to do)
     */
    public List<String> shutdown(Manifest m, List<String> vmNames, Duration powerdownWait) {
        StateDir sd = StateDir.of(home, m.name());
        try (Lock lock = Lock.acquire(sd, m.name())) {
            List<String> names = select(m, vmNames);
            List<String> report = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            Map<String, Callable<String>> jobs = new LinkedHashMap<>();
            for (String n : names) {
                VmRuntime r = new VmRuntime(home, m.name(), m.vm(n));
                jobs.put(n, () -> r.stop(powerdownWait));
            }
            // a VM started before its manifest renamed or removed it is still this constellation's to stop
            Map<String, VmRuntime> unnamed = vmNames == null || vmNames.isEmpty()
                    ? VmRuntime.unnamedRunning(home, m.name(), m.vmNames()) : Map.of();
            unnamed.forEach((n, r) -> jobs.put(n, () -> {
                String how = r.stop(powerdownWait);
                return how == null ? null : how + " (" + NOT_IN_MANIFEST + ")";
            }));
            for (var o : Parallel.run("meros-shutdown", jobs, "interrupted during shutdown of " + m.name())) {
                if (o.failure() != null) failures.add("vm " + o.name() + ": " + o.failure().getMessage());
                else if (o.value() != null) report.add("vm " + o.name() + ": " + o.value());
            }
            // the network is taken down even when a VM could not be stopped: what is left is said below
            try {
                HostNet net = new HostNet(m.name(), sd);
                boolean anyLeft = m.vmNames().stream().anyMatch(n -> new VmRuntime(home, m.name(), m.vm(n)).running())
                        || !VmRuntime.unnamedRunning(home, m.name(), m.vmNames()).isEmpty();
                if (anyLeft) {
                    List<String> taps = new ArrayList<>();
                    for (String n : names) {
                        if (new VmRuntime(home, m.name(), m.vm(n)).running()) continue; // its taps are still in use
                        for (Nic nic : m.vm(n).networks()) taps.add(nic.label());
                    }
                    report.addAll(net.tapsDown(taps));
                    for (String n : names) report.addAll(net.forwardsDown(n));
                } else {
                    report.addAll(net.allDown());
                }
            } catch (MerosException | UncheckedIOException e) {
                failures.add("network: " + e.getMessage());
            }
            if (!failures.isEmpty()) {
                report.forEach(out);
                throw new MerosException(ExitCode.FAILED, "shutdown of " + m.name() + " left " + failures.size()
                        + (failures.size() == 1 ? " problem: " : " problems: ") + String.join("; ", failures));
            }
            return report;
        }
    }
}
