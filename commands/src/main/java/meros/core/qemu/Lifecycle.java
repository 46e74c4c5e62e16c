package meros.core.qemu;

import meros.core.ExitCode;
import meros.core.Home;
import meros.core.MerosException;
import meros.core.host.Binfmt;
import meros.core.host.Kvm;
import meros.core.image.ImageBuilder;
import meros.core.image.Progress;
import meros.core.manifest.Bridge;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.HostNet;
import meros.core.ssh.ExecResult;
import meros.core.ssh.MachineAccess;
import meros.core.ssh.SshAccess;
import meros.core.state.Lock;
import meros.core.state.StateDir;
import meros.core.state.VmState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Brings a constellation (or some of its VMs) up and down: lock, disks, network, QEMU processes, readiness.
 * Progress goes to the {@code out} consumer one line at a time.
 */
public final class Lifecycle {
    /** Builds missing disks (the image builder); called before any VM starts. */
    public interface DiskBuilder {
        void build(Manifest m, List<String> vms);
    }

    private final Home home;
    private final Consumer<String> out;
    private DiskBuilder diskBuilder;
    private final Set<String> notices = new HashSet<>();
    private Vm.Accel accelOverride;
    private String accelEnv = System.getenv(Accel.ENV);

    /**
     * How long a VM that {@code accel: auto} started under KVM gets to show progress (its kernel's first line on the
     * serial console, the guest agent, or SSH) before it is killed and started again under TCG. A working KVM prints
     * the first line well under a second after QEMU starts; a nested hypervisor that hangs guests prints nothing.
     */
    public static final Duration KVM_WATCHDOG = Duration.ofSeconds(8);
    /** How often {@code init} says that it is still waiting for a VM, and on what. */
    public static final Duration WAIT_REPORT_INTERVAL = Duration.ofSeconds(15);
    /** How often a booting VM is checked for readiness. */
    static final Duration READINESS_POLL = Duration.ofMillis(250);

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

    /** The value of {@code MEROS_ACCEL} to honour (default: this process's environment); for tests. */
    public Lifecycle accelEnv(String value) { this.accelEnv = value; return this; }

    /** How missing disks get built (default: the image builder, step lines to {@code out}). */
    public Lifecycle diskBuilder(DiskBuilder b) { this.diskBuilder = b; return this; }

    /** Builds missing disks with the image builder, reporting to the given progress. */
    public Lifecycle buildProgress(Progress p) {
        this.diskBuilder = (m, vms) -> new ImageBuilder(home).build(m, vms, p);
        return this;
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || uid() == 0;
    }

    private static long uid() {
        try {
            Object u = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
            return ((Number) u).longValue();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Whether a VM runs on user-mode networking: {@code network: user}, or {@code auto} without root. */
    public static boolean userNet(Vm vm) {
        return switch (vm.network()) {
            case USER -> true;
            case BRIDGE -> false;
            case AUTO -> !isRoot();
        };
    }

    public List<String> select(Manifest m, List<String> vms) {
        if (vms == null || vms.isEmpty()) return m.vmNames();
        for (String v : vms) m.vm(v);
        return List.copyOf(new LinkedHashSet<>(vms));
    }

    /** One VM's outcome of {@code init}. */
    public record Started(String vm, boolean reattached, boolean ready, double seconds, String how, String serialTail) { }

    public List<Started> init(Manifest m, List<String> vmNames) {
        StateDir sd = StateDir.of(home, m.name());
        try (Lock lock = Lock.acquire(sd.lockFile(), m.name())) {
            List<String> names = select(m, vmNames);
            Map<String, VmRuntime> rts = new LinkedHashMap<>();
            for (String n : names) rts.put(n, new VmRuntime(home, m.name(), m.vm(n)));

            List<String> toStart = new ArrayList<>();
            List<Started> result = new ArrayList<>();
            for (VmRuntime r : rts.values()) {
                if (r.running()) {
                    VmRuntime.Status s = r.status(); // over QMP: proves the process is the VM and answers
                    out.accept(r.vm().name() + ": already running (pid " + s.pid() + ", " + s.state() + "), re-attached");
                    result.add(new Started(r.vm().name(), true, true, 0, "running", null));
                } else {
                    toStart.add(r.vm().name());
                }
            }
            if (toStart.isEmpty()) return result;

            for (String n : toStart) {
                Vm vm = m.vm(n);
                Binfmt.requireSystemEmulator(vm.arch(), n);
                if (vm.network() == Vm.NetworkMode.BRIDGE && !isRoot() && !vm.networks().isEmpty()) {
                    throw new MerosException(ExitCode.USAGE, "vm '" + n + "' has network: bridge, which needs root (or use network: user)");
                }
            }
            ImageBuilder images = new ImageBuilder(home);
            List<String> unbuilt = toStart.stream().filter(n -> !images.isBuilt(m, n)).toList();
            if (!unbuilt.isEmpty()) {
                out.accept("building " + String.join(", ", unbuilt) + " first");
                diskBuilder.build(m, unbuilt);
            }

            // network: bridges used by bridged VMs being started, and their taps
            // network: every bridge a bridged VM of the constellation uses (the nft table covers them all), taps of the VMs starting
            Set<String> usedBridges = new LinkedHashSet<>();
            for (Vm vm : m.vms().values()) {
                if (!userNet(vm)) for (Nic nic : vm.networks()) usedBridges.add(nic.bridge());
            }
            boolean anyBridged = toStart.stream().anyMatch(n -> !userNet(m.vm(n)) && !m.vm(n).networks().isEmpty());
            HostNet net = new HostNet(m.name(), sd);
            if (anyBridged) {
                List<Bridge> all = new ArrayList<>();
                for (Bridge b : m.bridges().values()) if (usedBridges.contains(b.name())) all.add(b);
                for (String line : net.bridgesUp(all)) out.accept((line.startsWith("net.") ? "enabled " : "created ") + line);
                for (String n : toStart) {
                    Vm vm = m.vm(n);
                    if (!userNet(vm)) for (Nic nic : vm.networks()) net.tapUp(nic);
                }
            }
            Map<String, Integer> mcast = new LinkedHashMap<>();
            for (Bridge b : m.bridges().values()) mcast.put(b.name(), QemuArgs.mcastPort(home.root(), m.name(), b.name()));

            // acceleration and ports are decided before the parallel start
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

            ExecutorService pool = Executors.newFixedThreadPool(toStart.size(), r -> {
                Thread t = new Thread(r, "meros-init");
                t.setDaemon(true);
                return t;
            });
            AtomicBoolean kvmGaveUp = new AtomicBoolean();
            try {
                List<Future<Started>> fs = new ArrayList<>();
                for (String n : toStart) {
                    VmRuntime r = rts.get(n);
                    Boot b = new Boot(r, asked.get(n), accel.get(n), ports.getOrDefault(n, 0), mcast, kvmGaveUp);
                    fs.add(pool.submit(() -> startAndWait(b)));
                }
                MerosException first = null;
                for (Future<Started> f : fs) {
                    try {
                        result.add(f.get());
                    } catch (ExecutionException e) {
                        Throwable c = e.getCause();
                        MerosException me = c instanceof MerosException x ? x : new MerosException(ExitCode.FAILED, String.valueOf(c.getMessage()), c);
                        out.accept("error: " + me.getMessage());
                        if (first == null) first = me;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new MerosException(ExitCode.INTERRUPTED, "interrupted while starting " + m.name()
                                + " (VMs started so far keep running; 'shutdown " + m.name() + "' removes them)");
                    }
                }
                if (first != null) throw first;
            } finally {
                pool.shutdownNow();
            }
            List<Started> late = result.stream().filter(s -> !s.ready()).toList();
            if (!late.isEmpty()) {
                String keep = " (" + (late.size() == 1 ? "it keeps" : "they keep") + " running: 'info " + m.name()
                        + "' shows " + (late.size() == 1 ? "it" : "them") + ", 'shutdown " + m.name() + "' stops " + (late.size() == 1 ? "it" : "them") + ")";
                throw new MerosException(ExitCode.FAILED, late.size() == 1
                        ? "vm " + late.get(0).vm() + " did not come up in " + String.format("%.0f s", late.get(0).seconds()) + keep
                        : late.size() + " VMs did not come up in time: " + String.join(", ", late.stream().map(Started::vm).toList()) + keep);
            }
            return result;
        }
    }

    private void noticeOnce(String s) {
        synchronized (notices) {
            if (notices.add(s)) out.accept(s);
        }
    }

    /** One VM's start: what was asked for, what was decided, its ports, and the flag the VMs of one init share. */
    private record Boot(VmRuntime r, Accel.Requested asked, Vm.Accel accel, int sshPort, Map<String, Integer> mcast,
                        AtomicBoolean kvmGaveUp) { }

    private VmState start(Boot b, Vm.Accel accel) {
        Vm vm = b.r().vm();
        try {
            return b.r().start(accel, userNet(vm), b.sshPort(), b.mcast());
        } catch (MerosException e) {
            // accel auto trusted the probe, but QEMU refused KVM for this VM (a nested hypervisor can pass the probe
            // and still reject the VM's CPU model): record that and fall back to TCG rather than fail
            if (accel != Vm.Accel.KVM || b.asked().accel() != Vm.Accel.AUTO) throw e;
            Kvm.recordUnusable(home, "QEMU exited at once under KVM for vm " + vm.name() + " (" + e.getMessage() + ")");
            out.accept(vm.name() + ": QEMU failed under KVM, retrying with TCG (" + e.getMessage() + ")");
            return b.r().start(Vm.Accel.TCG, userNet(vm), b.sshPort(), b.mcast());
        }
    }

    private Started startAndWait(Boot b) {
        VmRuntime r = b.r();
        Vm vm = r.vm();
        long t0 = System.nanoTime();
        VmState st = start(b, b.accel());
        out.accept(vm.name() + ": started (pid " + st.pid() + ", " + st.accel() + ", "
                + (st.sshHost() == null ? "no SSH" : "ssh " + st.sshHost() + ":" + st.sshPort()) + ")");
        // the watchdog: a VM under KVM must show its kernel's first line within KVM_WATCHDOG
        long watchUntil = "kvm".equals(st.accel()) ? System.nanoTime() + KVM_WATCHDOG.toNanos() : 0;
        long deadline = t0 + Duration.ofSeconds(vm.bootTimeoutSeconds()).toNanos();
        long nextReport = System.nanoTime() + WAIT_REPORT_INTERVAL.toNanos();
        long booting = t0; // since the current QEMU started (a restart under TCG starts a new boot)
        // No banner probes: OpenSSH (PerSourcePenalties) penalises connections that never try to authenticate, and
        // enough of them make sshd drop the next real login. On a bridge one plain TCP connect shows sshd listens;
        // in user mode QEMU accepts on the guest's behalf, so logins are tried right away (they fail fast until sshd runs).
        boolean listening = st.sshHost() != null && "user".equals(st.network());
        String waitingFor = st.sshHost() == null ? "the guest agent" : "SSH on " + st.sshHost() + ":" + st.sshPort();
        while (System.nanoTime() < deadline) {
            if (watchUntil != 0 && kernelStarted(r)) watchUntil = 0;
            if (st.sshHost() != null && !listening) listening = Readiness.tcpOpen(st.sshHost(), st.sshPort(), 500);
            if (listening) {
                String failed = sshLogin(r);
                if (failed == null) return ready(vm, t0, "ssh");
                if (failed.startsWith("!")) throw MerosException.failed("vm " + vm.name() + ": " + failed.substring(1));
            }
            // the agent answers before sshd is up: it only decides when there is no SSH endpoint
            if (st.sshHost() == null && Readiness.guestAgent(r.paths().qga(), 300)) return ready(vm, t0, "guest agent");
            if (!r.running()) {
                String tail = r.serialTail(15);
                out.accept(vm.name() + ": QEMU exited during boot; last serial lines:\n" + indent(tail));
                throw MerosException.failed("vm " + vm.name() + ": QEMU exited during boot (" + r.status().reason() + ")");
            }
            if (watchUntil != 0 && (System.nanoTime() > watchUntil || b.kvmGaveUp().get()) && !kernelStarted(r)) {
                String seen = seenOnSerial(r);
                r.kill();
                if (b.asked().accel() == Vm.Accel.KVM) {
                    throw MerosException.failed("vm " + vm.name() + " made no progress under KVM in " + Kvm.seconds(KVM_WATCHDOG) + " (" + seen
                            + "); KVM on this host does not run it: use accel auto or tcg (" + b.asked().source() + " asked for kvm)");
                }
                if (b.kvmGaveUp().compareAndSet(false, true)) {
                    Kvm.recordUnusable(home, "vm " + vm.name() + " made no progress under KVM in " + Kvm.seconds(KVM_WATCHDOG) + " (" + seen + ")");
                    out.accept(vm.name() + ": no progress under KVM in " + Kvm.seconds(KVM_WATCHDOG) + " (" + seen
                            + "): KVM recorded as unusable on this host; restarting under TCG");
                } else {
                    out.accept(vm.name() + ": restarting under TCG (KVM is unusable on this host)");
                }
                st = r.start(Vm.Accel.TCG, userNet(vm), b.sshPort(), b.mcast());
                out.accept(vm.name() + ": started (pid " + st.pid() + ", " + st.accel() + ", "
                        + (st.sshHost() == null ? "no SSH" : "ssh " + st.sshHost() + ":" + st.sshPort()) + ")");
                watchUntil = 0;
                listening = st.sshHost() != null && "user".equals(st.network());
                booting = System.nanoTime();
                deadline = booting + Duration.ofSeconds(vm.bootTimeoutSeconds()).toNanos();
            }
            if (System.nanoTime() > nextReport) {
                nextReport += WAIT_REPORT_INTERVAL.toNanos();
                String last = lastLine(r);
                out.accept(String.format("%s: waiting for %s (%.0f s of %d s; %s)", vm.name(), waitingFor,
                        (System.nanoTime() - booting) / 1e9, vm.bootTimeoutSeconds(), last.isEmpty() ? "the serial log is empty" : "serial: " + last));
            }
            try {
                Thread.sleep(READINESS_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted");
            }
        }
        String tail = r.serialTail(15);
        out.accept(vm.name() + ": not ready after " + vm.bootTimeoutSeconds() + " s; "
                + (tail.isBlank() ? "the serial log is empty: the guest never started; acceleration? (" + Accel.ENV + "=tcg forces TCG)"
                : "last serial lines:\n" + indent(tail)));
        return new Started(vm.name(), false, false, vm.bootTimeoutSeconds(), "timeout", tail);
    }

    /** Whether the VM's kernel has printed its first line on the serial console. */
    private static boolean kernelStarted(VmRuntime r) {
        return r.serialTail(400).contains("Linux version ");
    }

    private static String seenOnSerial(VmRuntime r) {
        String last = lastLine(r);
        return last.isEmpty() ? "the serial log is empty" : "last serial line: " + last;
    }

    /** The serial log's last non-blank line, without terminal escape sequences and control characters, at most 100 characters. */
    static String lastLine(VmRuntime r) {
        String l = r.serialTail(8).lines().map(Lifecycle::printable).filter(x -> !x.isBlank()).reduce((a, b) -> b).orElse("").strip();
        return l.length() > 100 ? l.substring(0, 100) + "…" : l;
    }

    static String printable(String s) {
        return s.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001B[@-_]", "").replaceAll("\\p{Cntrl}", "");
    }

    /** null when {@code true} ran over SSH; a reason otherwise ("!" first: permanent, e.g. a wrong host key). */
    private String sshLogin(VmRuntime r) {
        Vm vm = r.vm();
        MachineAccess access = new MachineAccess(home, r.label().substring(0, r.label().indexOf('/')), vm.name(), vm.user());
        try (SshAccess ssh = new SshAccess(() -> access.target(vm.user()), Duration.ofSeconds(3))) {
            ExecResult res = ssh.exec("true", Duration.ofSeconds(30));
            return res.ok() ? null : "ssh login ran 'true' with " + res.describe();
        } catch (SshAccess.HostKeyMismatch e) {
            return "!" + e.getMessage();
        } catch (MerosException e) {
            return e.getMessage();
        }
    }

    private Started ready(Vm vm, long t0, String how) {
        double s = (System.nanoTime() - t0) / 1e9;
        out.accept(String.format("%s: ready in %.1f s (%s)", vm.name(), s, how));
        return new Started(vm.name(), false, true, s, how, null);
    }

    private static String indent(String s) {
        return s.isBlank() ? "  (serial log is empty)" : s.lines().map(l -> "  | " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    /**
     * Stops the VMs (all when none named) and removes their taps; once no VM of the constellation runs, removes
     * bridges and the nftables table too.
     *
     * @return what was stopped and removed, one line each (empty: there was nothing to do)
     */
    public List<String> shutdown(Manifest m, List<String> vmNames, Duration powerdownWait) {
        StateDir sd = StateDir.of(home, m.name());
        try (Lock lock = Lock.acquire(sd.lockFile(), m.name())) {
            List<String> names = select(m, vmNames);
            List<String> report = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, names.size()), r -> {
                Thread t = new Thread(r, "meros-shutdown");
                t.setDaemon(true);
                return t;
            });
            try {
                Map<String, Future<String>> fs = new LinkedHashMap<>();
                for (String n : names) {
                    VmRuntime r = new VmRuntime(home, m.name(), m.vm(n));
                    fs.put(n, pool.submit(() -> r.stop(powerdownWait)));
                }
                for (var e : fs.entrySet()) {
                    String how = e.getValue().get();
                    if (how != null) report.add("vm " + e.getKey() + ": " + how);
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof MerosException me ? me : new MerosException(ExitCode.FAILED, String.valueOf(c.getMessage()), c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MerosException(ExitCode.INTERRUPTED, "interrupted during shutdown of " + m.name());
            } finally {
                pool.shutdownNow();
            }
            HostNet net = new HostNet(m.name(), sd);
            boolean anyLeft = m.vmNames().stream().anyMatch(n -> new VmRuntime(home, m.name(), m.vm(n)).running());
            if (anyLeft) {
                List<String> taps = new ArrayList<>();
                for (String n : names) for (Nic nic : m.vm(n).networks()) taps.add(nic.label());
                report.addAll(net.tapsDown(taps));
            } else {
                report.addAll(net.allDown());
            }
            return report;
        }
    }
}
