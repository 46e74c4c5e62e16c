package meros.core;

import meros.core.base.MerosException;
import meros.core.graph.Topology;
import meros.core.image.ImageBuilder;
import meros.core.image.Progress;
import meros.core.manifest.Manifest;
import meros.core.lifecycle.GroupSnapshot;
import meros.core.lifecycle.Info;
import meros.core.manifest.Vm;
import meros.core.lifecycle.Lifecycle;
import meros.core.qemu.VmRuntime;
import meros.core.state.Lock;
import meros.core.state.StateDir;
import meros.core.ssh.SshAccess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.Map;

/** A live constellation handle: its manifest plus one {@link Machine} per VM. */
public final class Constellation implements AutoCloseable {
    private final Meros meros;
    private volatile Manifest manifest;
    private final Map<String, Machine> machines = new LinkedHashMap<>();

    Constellation(Meros meros, Manifest manifest) {
        this.meros = meros;
        this.manifest = manifest;
    }

    /** Takes a freshly read manifest: handles of VMs it no longer has are closed and dropped, new ones added. */
    synchronized void refresh(Manifest m) {
        this.manifest = m;
        for (var it = machines.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!m.vms().containsKey(e.getKey())) {
                e.getValue().close();
                it.remove();
            }
        }
        for (String vm : m.vms().keySet()) machines.computeIfAbsent(vm, n -> new Machine(this, n));
    }

    /**
     * Closes every VM handle's connections (SSH, event view). The VMs keep running and the handles stay usable
     * (they reconnect on their next use). Never throws.
     */
    @Override
    public synchronized void close() {
        for (Machine vm : machines.values()) {
            try {
                vm.close();
            } catch (RuntimeException ignored) {
                // closing is best effort: one handle's failure must not keep the others open
            }
        }
    }

    /** The core API instance this handle belongs to. */
    public Meros meros() { return meros; }

    /** The manifest as last read from disk (by {@link Meros#constellation}). */
    public Manifest manifest() { return manifest; }

    /** The constellation's name: its directory under {@code constellations/}. */
    public String name() { return manifest.name(); }

    /** One handle per VM of the manifest, in manifest order. Never blocks. */
    public synchronized List<Machine> vms() { return new ArrayList<>(machines.values()); }

    /**
     * The handle of one VM (the same object on every call while the manifest has the VM). Never blocks; the VM
     * need not be running.
     *
     * @throws MerosException no such VM in the manifest (the message lists the ones it has)
     */
    public synchronized Machine vm(String name) {
        manifest.vm(name); // validates the name with a helpful message
        return machines.get(name);
    }

    /**
     * Starts the VMs (all when none are named) and blocks until each answers over SSH or its
     * {@code boot_timeout} (seconds, default in docs/manifest.md) passes; progress lines go to standard output.
     * VMs already running are left as they are.
     *
     * @throws MerosException a VM's disk is not built, a host tool is missing, a VM did not come up in time
     *                        (it keeps running), the constellation is locked by another meros process
     */
    public void init(String... vms) {
        init(new InitOptions(System.out::println, Progress.NONE, null), vms);
    }

    /**
     * How {@link #init(InitOptions, String...)} reports and decides.
     *
     * @param out       receives one progress line at a time (VM started, waiting, ready, notices)
     * @param build     receives the steps of disks built first because they were missing
     * @param accel     overrides every VM's {@code accel} for this run, over {@code MEROS_ACCEL} and the manifest
     *                  (null: no override)
     * @param cold      boot every VM even when it has a saved boot ({@code init --cold}); false resumes saved boots
     */
    public record InitOptions(Consumer<String> out, Progress build, Vm.Accel accel, boolean cold) {
        /** Options that resume saved boots ({@code cold} false). */
        public InitOptions(Consumer<String> out, Progress build, Vm.Accel accel) { this(out, build, accel, false); }
    }

    /**
     * Builds missing disks, brings up bridges, nftables and taps, starts the VMs (all when none are named) in
     * parallel and blocks until each answers an SSH login with the pinned key (or its guest agent) or its
     * {@code boot_timeout} (seconds) passes. VMs already running are re-attached and checked the same way. Under
     * {@code accel: auto} a VM that makes no progress under KVM within {@link Lifecycle#KVM_WATCHDOG} ({@link Lifecycle#KVM_WATCHDOG_QUIET}
     * when its {@code kernel_args} keep the kernel's banner off the console) is restarted under TCG (docs/run.md, "Acceleration").
     *
     * @return per VM: re-attached or started, ready, seconds to ready, how readiness was seen
     * @throws MerosException a VM did not come up in time (it keeps running), a build or host tool failed, another
     *                        constellation owns a bridge or tap of this one, the constellation is locked
     */
    public List<Lifecycle.Started> init(InitOptions options, String... vms) {
        List<String> named = named(vms);
        return new Lifecycle(meros.home(), options.out()).buildProgress(options.build()).accel(options.accel())
                .cold(options.cold()).readyConnections(this::adoptReadyConnection).init(manifest, named);
    }

    /**
     * Stops the VMs (all when none are named): ACPI power-down, up to 30 s, then QMP {@code quit}, then SIGKILL;
     * when no VM is left it also removes the networks init made. Blocks until done; progress on standard output.
     *
     * @return one line per VM and network removed, e.g. {@code vm box: powered off (ACPI) in 2.1 s}
     * @throws MerosException the constellation is locked by another meros process, a stop failed
     */
    public List<String> shutdown(String... vms) {
        return shutdown(System.out::println, SHUTDOWN_POWERDOWN, vms);
    }

    /**
     * {@link #shutdown(String...)} with its own output and power-off wait: every VM and the network teardown are
     * tried even when one fails.
     *
     * @param out           receives what succeeded when something failed (the error names every failure)
     * @param powerdownWait how long each guest gets to power off after the ACPI button before QEMU is quit; zero:
     *                      QEMU is quit at once, without the button (pulling the plug)
     * @return one line per VM and network part removed; empty when nothing was running
     * @throws MerosException USAGE when {@code powerdownWait} is negative (before any VM is touched)
     */
    public List<String> shutdown(Consumer<String> out, Duration powerdownWait, String... vms) {
        requirePowerdownWait(powerdownWait);
        return new Lifecycle(meros.home(), out).shutdown(manifest, named(vms), powerdownWait);
    }

    /** @throws MerosException USAGE when a power-off wait is negative */
    static void requirePowerdownWait(Duration powerdownWait) {
        if (powerdownWait.isNegative()) {
            throw MerosException.usage("the power-off wait must be 0 s or more, not " + powerdownWait.toSeconds() + " s");
        }
    }

    /**
     * The VM names a call was given, each once: a name given twice ({@code init demo box box}) is refused before
     * anything starts.
     *
     * @throws MerosException USAGE for a name given more than once
     */
    static List<String> named(String... vms) {
        Set<String> seen = new HashSet<>();
        for (String v : vms) {
            if (!seen.add(v)) throw MerosException.usage("vm '" + v + "' is named twice: name each VM once");
        }
        return List.of(vms);
    }

    /** How long {@link #shutdown} waits for a guest to power off after the ACPI button before it quits QEMU. */
    public static final Duration SHUTDOWN_POWERDOWN = Duration.ofSeconds(30);

    /**
     * What runs: per VM its state, pid, accelerator, uptime, addresses and disk; per network its state. Asks each
     * running VM's QMP ({@code query-status}, about 3 s at most each); never starts anything.
     */
    public Info info() { return Info.of(meros.home(), manifest); }

    /** The constellation as Graphviz DOT text: bridges, VMs (with their state while running) and their links. */
    public String graph() { return Topology.dot(manifest, Topology.states(info())); }

    /**
     * Draws the constellation into {@code file}: {@code .svg} or {@code .png} through Graphviz {@code dot},
     * {@code .dot} as text. Returns the file. See {@link Topology#write} for errors.
     */
    public Path graph(Path file) {
        Topology.write(manifest, Topology.states(info()), file);
        return file;
    }

    // --- saved state: whole-constellation snapshots and reset ---
    /**
     * Saves snapshot {@code name} of every VM at once (all paused, all saved with QEMU {@code savevm} into their
     * overlays, all resumed); blocks until the last is saved (seconds per GiB of guest RAM under TCG). Every VM must
     * run; a name has letters, digits, {@code _ . -}, is not {@code .} or {@code ..}, has at most 255 characters
     * (QEMU's limit) and is no VM's name of the constellation. Prints one line per VM to standard output.
     *
     * @throws MerosException a VM is not running, a bad name, or QEMU's error text (after every VM was tried)
     */
    public void snapshot(String name) { snapshot(name, System.out::println); }

    /** As {@link #snapshot(String)}, one line per VM to {@code out} (the {@code snapshot save} command). */
    public void snapshot(String name, Consumer<String> out) {
        GroupSnapshot.save(meros.home(), manifest, name).forEach(out);
    }

    /**
     * Loads snapshot {@code name} into every VM at once (all paused, all loaded, all resumed, clocks set). Prints one
     * line per VM to standard output; blocks until the last is loaded.
     *
     * @throws MerosException a VM is not running or lacks the snapshot, or QEMU's error text
     */
    public void restore(String name) { restore(name, System.out::println); }

    /** As {@link #restore(String)}, one line per VM to {@code out} (the {@code snapshot load} command). */
    public void restore(String name, Consumer<String> out) {
        GroupSnapshot.load(meros.home(), manifest, name).forEach(out);
    }

    /** The snapshot names every VM has. */
    public List<String> snapshots() { return GroupSnapshot.list(meros.home(), manifest); }

    /** Deletes snapshot {@code name} from every VM that has it, one line per VM to standard output. */
    public void deleteSnapshot(String name) { deleteSnapshot(name, System.out::println); }

    /** As {@link #deleteSnapshot(String)}, one line per VM to {@code out} (the {@code snapshot delete} command). */
    public void deleteSnapshot(String name, Consumer<String> out) {
        GroupSnapshot.delete(meros.home(), manifest, name).forEach(out);
    }

    /** {@link #reset(Consumer)} printing its progress lines on standard output. */
    public void reset() {
        reset(System.out::println);
    }

    /**
     * Back to the state right after {@code init}, without booting: every VM's QEMU is replaced, all in parallel, by
     * one resuming its saved boot on a fresh overlay over the frozen disk layer, so whatever the guests wrote since
     * {@code init} is gone (see {@link Lifecycle#reset}); the guest clocks are set and open SSH connections of this
     * handle's machines are closed. Blocks until every VM answers again: typically 1–3 s under TCG, at most
     * {@link Lifecycle#RESUME_READY} per VM. Holds the constellation's lock meanwhile.
     *
     * @param out receives one progress line at a time (clock set, ready in seconds)
     * @throws MerosException FAILED when a VM of the constellation is not running (reset needs every VM) or has no
     *                        saved boot matching its current image, kernel and QEMU command line ({@code init} saves
     *                        one when a VM first becomes ready; VMs with shared folders boot cold and have none), or
     *                        a VM did not answer in time; BUSY when another meros process holds the lock
     */
    public void reset(Consumer<String> out) {
        for (Machine m : vms()) m.close();
        new Lifecycle(meros.home(), out).readyConnections(this::adoptReadyConnection).reset(manifest);
    }

    /** The login a readiness check made becomes the VM handle's connection: the first command needs none of its own. */
    private void adoptReadyConnection(String vm, String user, SshAccess connection) {
        Machine m;
        synchronized (this) { m = machines.get(vm); }
        if (m == null) connection.close();
        else m.adoptConnection(user, connection);
    }
    // --- end saved state ---

    @Override
    public String toString() { return "constellation " + name() + " " + machines.keySet(); }

    /** {@link #build(Progress, String...)} reporting nothing. */
    public List<ImageBuilder.BuiltImage> build(String... vms) {
        return build(Progress.NONE, vms);
    }

    /**
     * Builds the disks of the named VMs (all when none are named): bootstraps the distribution once per base
     * (cached under {@code data/cache/}), adds packages, users, keys and files, and writes a qcow2 disk of the VM's
     * {@code disk_size} plus kernel and initrd under {@code data/disks/<c>/}. Blocks for the build: about a minute
     * for a fresh Debian base, seconds when the base is cached.
     *
     * @param progress where build steps are reported as they happen
     * @return what was built, per VM
     * @throws MerosException a host tool is missing, the mirror cannot be reached, a hook failed; FAILED when one of
     *         the VMs is running (a build replaces its disk and host key: shut it down first); BUSY when another meros
     *         process holds the constellation's lock (an {@code init} or {@code shutdown} of it)
     */
    public List<ImageBuilder.BuiltImage> build(Progress progress, String... vms) {
        List<String> named = named(vms);
        return whileNoneRuns(named, () -> new ImageBuilder(meros.home()).build(manifest, named, progress));
    }

    /**
     * Runs a build of the named VMs' disks (all when none are named) once none of those VMs is running: a build
     * replaces a VM's disk and its pinned SSH host key, and a running VM would keep writing its overlay over the disk
     * it was started on, which the next start would find replaced. When the constellation has state (it was started
     * before) the build holds its lock, so that no {@code init}, {@code shutdown} or snapshot of it runs meanwhile; a
     * constellation never started has no state, and a build writes none (bad input leaves nothing behind).
     *
     * @throws MerosException BUSY when another meros process holds the lock; FAILED when one of the VMs is running
     */
    private <T> T whileNoneRuns(List<String> vms, Supplier<T> build) {
        Lock lock = Files.isDirectory(meros.home().stateOf(name()))
                ? Lock.acquire(StateDir.of(meros.home(), name()), name()) : null;
        try {
            for (String n : vms.isEmpty() ? manifest.vmNames() : vms) {
                if (!manifest.vmNames().contains(n)) continue; // the builder names an unknown VM in its own words
                if (new VmRuntime(meros.home(), name(), manifest.vm(n)).running()) {
                    throw MerosException.failed("vm " + n + " of " + name() + " is running on the disk a build replaces:"
                            + " shut it down first ('shutdown " + name() + " " + n + "')");
                }
            }
            return build.get();
        } finally {
            if (lock != null) lock.close();
        }
    }

    /**
     * Builds one VM's disk from an existing image ({@code build --use}) instead of a bootstrap: copies the image and
     * applies the guest configuration, includes, hooks and keys to the copy (with virt-customize when installed, else
     * for one ext4 filesystem on the whole disk). Blocks for the build.
     *
     * @param image a qcow2 or raw disk image
     * @throws MerosException the image cannot be read or customised, a hook failed; FAILED when the VM is running;
     *         BUSY when another meros process holds the constellation's lock (as {@link #build(Progress, String...)})
     */
    public ImageBuilder.BuiltImage buildFrom(Path image, String vm, Progress progress) {
        return whileNoneRuns(List.of(vm), () -> new ImageBuilder(meros.home()).buildFrom(manifest, vm, image, progress));
    }

    /**
     * True when the VM's disk (and its kernel and initrd, unless it names its own kernel) exists and was built from what
     * the manifest, includes and hooks now say ({@link #imageStatus}). Reads local files only (milliseconds).
     */
    public boolean isBuilt(String vm) {
        return new ImageBuilder(meros.home()).isBuilt(manifest, vm);
    }

    /**
     * Whether the VM's disk exists, why it is out of date ({@code packages changed}, {@code includes changed}),
     * or a notice (the check could not be made, the disk has no build record); what {@code init} looks at before it starts the VM. Reads local files only.
     */
    public ImageBuilder.Status imageStatus(String vm) {
        return new ImageBuilder(meros.home()).status(manifest, vm);
    }
}
