package meros.core;

import meros.core.image.ImageBuilder;
import meros.core.image.Progress;
import meros.core.manifest.Manifest;
import meros.core.qemu.GroupSnapshot;
import meros.core.qemu.Info;
import meros.core.qemu.Lifecycle;

import java.time.Duration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A live constellation handle: its manifest plus one {@link Machine} per VM. */
public final class Constellation {
    private final Meros meros;
    private volatile Manifest manifest;
    private final Map<String, Machine> machines = new LinkedHashMap<>();

    Constellation(Meros meros, Manifest manifest) {
        this.meros = meros;
        this.manifest = manifest;
    }

    synchronized void refresh(Manifest m) {
        this.manifest = m;
        machines.keySet().retainAll(m.vms().keySet());
        for (String vm : m.vms().keySet()) machines.computeIfAbsent(vm, n -> new Machine(this, n));
    }

    public Meros meros() { return meros; }
    public Manifest manifest() { return manifest; }
    public String name() { return manifest.name(); }

    public synchronized List<Machine> vms() { return new ArrayList<>(machines.values()); }

    public synchronized Machine vm(String name) {
        manifest.vm(name); // validates the name with a helpful message
        return machines.get(name);
    }

    // --- run (issue 4): delegates to meros.core.qemu.Lifecycle ---
    /** Starts the VMs (all when none named) and waits until they answer; progress on standard output. */
    public void init(String... vms) {
        new Lifecycle(meros.home(), System.out::println).init(manifest, List.of(vms));
    }
    /** Stops the VMs (all when none named) and removes what init created; returns what was removed. */
    public List<String> shutdown(String... vms) {
        return new Lifecycle(meros.home(), System.out::println).shutdown(manifest, List.of(vms), Duration.ofSeconds(30));
    }
    public Info info() { return Info.of(meros.home(), manifest); }
    // --- end run ---

    // --- saved state: whole-constellation snapshots and reset ---
    /**
     * Saves snapshot {@code name} of every VM at once (all paused, all saved with QEMU {@code savevm} into their
     * overlays, all resumed); blocks until the last is saved (seconds per GiB of guest RAM under TCG). Every VM must
     * run; a name has letters, digits, {@code _ . -}.
     */
    public void snapshot(String name) {
        GroupSnapshot.save(meros.home(), manifest, name).forEach(System.out::println);
    }

    /** Loads snapshot {@code name} into every VM at once (all paused, all loaded, all resumed, clocks set). */
    public void restore(String name) {
        GroupSnapshot.load(meros.home(), manifest, name).forEach(System.out::println);
    }

    /** The snapshot names every VM has. */
    public List<String> snapshots() { return GroupSnapshot.list(meros.home(), manifest); }

    /** Deletes snapshot {@code name} from every VM that has it. */
    public void deleteSnapshot(String name) {
        GroupSnapshot.delete(meros.home(), manifest, name).forEach(System.out::println);
    }

    /**
     * Back to the state right after {@code init}, without booting: every VM resumes its saved boot again on a fresh
     * overlay (see {@link Lifecycle#reset}); open SSH connections of this handle's machines are closed. Typically
     * 1–3 s under TCG.
     */
    public void reset() {
        for (Machine m : vms()) m.dropConnections();
        new Lifecycle(meros.home(), System.out::println).reset(manifest);
    }
    // --- end saved state ---

    @Override
    public String toString() { return "constellation " + name() + " " + machines.keySet(); }

    // --- image builds (issue 3): delegates to meros.core.image.ImageBuilder ---
    /** Builds the named VMs' disks (all when none are named), reporting nothing. */
    public List<ImageBuilder.BuiltImage> build(String... vms) {
        return build(Progress.NONE, vms);
    }

    public List<ImageBuilder.BuiltImage> build(Progress progress, String... vms) {
        return new ImageBuilder(meros.home()).build(manifest, List.of(vms), progress);
    }

    /** True when the VM's disk (and its kernel and initrd, unless it names its own kernel) exists. */
    public boolean isBuilt(String vm) {
        return new ImageBuilder(meros.home()).isBuilt(manifest, vm);
    }
}
