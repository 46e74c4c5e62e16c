package meros.core.lifecycle;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.qemu.Live;
import meros.core.qemu.RunState;
import meros.core.qemu.VmRuntime;
import meros.core.state.Lock;
import meros.core.state.StateDir;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Snapshots of a whole constellation: one internal snapshot (QEMU {@code savevm}, in each VM's overlay) per VM under
 * one name, taken consistently: every VM is paused before the first is saved, and none runs again before the last is
 * saved; a load pauses all, loads all, then lets all run and sets their clocks. Holds the constellation's lock.
 */
public final class GroupSnapshot {
    private GroupSnapshot() { }

    /** How long one VM's {@code savevm} or {@code loadvm} may take (it writes or reads all of the VM's RAM). */
    public static final Duration PER_VM = Duration.ofMinutes(10);
    private static final Duration QMP_T = Duration.ofSeconds(30);

    /**
     * Saves snapshot {@code name} of every VM. Every VM must be running.
     *
     * @return one line per VM
     * @throws MerosException USAGE for a bad name, FAILED when a VM is not running or QEMU refuses
     */
    public static List<String> save(Home home, Manifest m, String name) {
        Live.requireNewName(name, m.name(), m.vmNames());
        try (Lock lock = Lock.acquire(StateDir.of(home, m.name()), m.name())) {
            Map<String, VmRuntime> rts = running(home, m);
            List<VmRuntime> wasRunning = pauseAll(rts);
            try {
                return each(rts, r -> { Live.snapshot(r, "save", name); return r.vm().name() + ": saved " + name; });
            } finally {
                contAll(wasRunning);
            }
        }
    }

    /**
     * Loads snapshot {@code name} into every VM, then sets each guest's clock (see {@link ResumedGuest#setClock}).
     * Checks first that every VM has the snapshot, so a missing one changes nothing.
     *
     * @return one line per VM
     */
    public static List<String> load(Home home, Manifest m, String name) {
        Live.requireName("load", name);
        try (Lock lock = Lock.acquire(StateDir.of(home, m.name()), m.name())) {
            Map<String, VmRuntime> rts = running(home, m);
            for (VmRuntime r : rts.values()) {
                List<String> have = Live.tags(r);
                if (!have.contains(name)) throw MerosException.failed(Live.noSnapshot(r.label(), name, have));
            }
            pauseAll(rts);
            List<String> lines;
            try {
                lines = each(rts, r -> { Live.snapshotAsChecked(r, "load", name); return r.vm().name() + ": loaded " + name; });
            } finally {
                contAll(new ArrayList<>(rts.values()));
            }
            List<String> out = new ArrayList<>(lines);
            out.addAll(each(rts, r -> {
                String clock = ResumedGuest.setClock(r);
                return clock == null ? null : r.vm().name() + ": " + clock;
            }).stream().filter(s -> s != null).toList());
            return out;
        }
    }

    /** Deletes snapshot {@code name} from every VM that has it; returns one line per VM it was deleted from. */
    public static List<String> delete(Home home, Manifest m, String name) {
        Live.requireName("delete", name);
        try (Lock lock = Lock.acquire(StateDir.of(home, m.name()), m.name())) {
            Map<String, VmRuntime> rts = running(home, m);
            List<String> out = each(rts, r -> {
                if (!Live.tags(r).contains(name)) return null;
                Live.snapshotAsChecked(r, "delete", name);
                return r.vm().name() + ": deleted " + name;
            }).stream().filter(s -> s != null).toList();
            if (out.isEmpty()) throw MerosException.failed("no VM of " + m.name() + " has a snapshot '" + name + "'");
            return out;
        }
    }

    /** The snapshot names every VM of the constellation has, in the first VM's order. */
    public static List<String> list(Home home, Manifest m) {
        Map<String, VmRuntime> rts = running(home, m);
        Set<String> common = null;
        for (VmRuntime r : rts.values()) {
            List<String> n = Live.tags(r);
            if (common == null) common = new LinkedHashSet<>(n);
            else common.retainAll(n);
        }
        return common == null ? List.of() : List.copyOf(common);
    }

    private static Map<String, VmRuntime> running(Home home, Manifest m) {
        Map<String, VmRuntime> rts = new LinkedHashMap<>();
        for (String n : m.vmNames()) {
            VmRuntime r = new VmRuntime(home, m.name(), m.vm(n));
            if (!r.running()) throw r.notRunning("a constellation snapshot needs every VM");
            rts.put(n, r);
        }
        return rts;
    }

    /** Pauses every VM; returns those that were running (only they are let run again). */
    private static List<VmRuntime> pauseAll(Map<String, VmRuntime> rts) {
        List<VmRuntime> was = new ArrayList<>();
        for (VmRuntime r : rts.values()) {
            RunState st = RunState.ofQmp(r.qmp("query-status", null, QMP_T).path("status").asText());
            if (st == RunState.RUNNING) was.add(r);
        }
        each(rts, r -> { r.qmp("stop", null, QMP_T); return null; });
        return was;
    }

    private static void contAll(List<VmRuntime> rts) {
        for (VmRuntime r : rts) r.qmp("cont", null, QMP_T);
    }

    interface PerVm {
        String run(VmRuntime r);
    }

    /** Runs {@code f} for every VM in parallel; the first failure is thrown after all have finished. */
    static List<String> each(Map<String, VmRuntime> rts, PerVm f) {
        Map<String, Callable<String>> jobs = new LinkedHashMap<>();
        rts.forEach((name, r) -> jobs.put(name, () -> f.run(r)));
        return Parallel.values(Parallel.run("meros-snapshot", jobs, "interrupted"));
    }
}
