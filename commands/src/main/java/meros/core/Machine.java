package meros.core;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.manifest.Vm;
import meros.core.qemu.Live;
import meros.core.qemu.VmRuntime;
import meros.core.qmp.QmpClient;
import meros.core.qmp.QmpEvent;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

/** A live VM handle within a constellation. Later capabilities (run, QMP, SSH) hang off this. */
public final class Machine {
    private final Constellation constellation;
    private final String name;

    Machine(Constellation constellation, String name) {
        this.constellation = constellation;
        this.name = name;
    }

    public String name() { return name; }
    public Constellation constellation() { return constellation; }
    public Vm spec() { return constellation.manifest().vms().get(name); }

    // --- run / live QMP (issue 4): delegates to meros.core.qemu ---
    /** This VM's QEMU process (find, start, stop, QMP). */
    public VmRuntime runtime() { return new VmRuntime(constellation.meros().home(), constellation.name(), spec()); }
    /** Runs a QMP command and returns its {@code return} member, e.g. {@code vm.qmp("query-status")}. */
    public JsonNode qmp(String command) { return qmp(command, null); }
    public JsonNode qmp(String command, Map<String, ?> args) { return runtime().qmp(command, args, QmpClient.DEFAULT_TIMEOUT); }
    /** The VM's event stream (STOP, RESUME, SHUTDOWN, ...): a queue of the events since the first call. */
    public BlockingQueue<QmpEvent> events() { return Live.events(runtime()).events(); }
    /** The live event connection, for listeners and {@code awaitEvent}. */
    public QmpClient eventClient() { return Live.events(runtime()); }
    public void pause() { qmp("stop"); }
    public void resume() { qmp("cont"); }
    /** running, paused, shutdown, ... (QMP) or stopped, crashed, shut down (no QEMU). */
    public String status() { return runtime().status().state(); }
    /** QMP command names this VM's QEMU supports (completion). */
    public List<String> qmpCommands() { return Live.commands(runtime()); }
    // --- end run / live QMP ---

    @Override
    public String toString() { return "vm " + constellation.name() + "/" + name; }
}
