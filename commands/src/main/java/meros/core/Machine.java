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

    // ---- access and scenario API (issue 5): the logic lives in meros.core.scenario.MachineOps -------------
    private meros.core.scenario.MachineOps ops;

    /** SSH/guest-agent access and the scenario operations of this VM (one per handle, connections reused). */
    public synchronized meros.core.scenario.MachineOps ops() {
        if (ops == null) {
            Vm v = spec();
            ops = new meros.core.scenario.MachineOps(new meros.core.ssh.MachineAccess(constellation.meros().home(),
                    constellation.name(), name, v == null ? null : v.user()), this::spec, this::runtime);
        }
        return ops;
    }

    /** Closes this handle's SSH and agent connections (the next call opens new ones), e.g. after a reset. */
    synchronized void dropConnections() {
        if (ops != null) ops.close();
        ops = null;
    }

    public meros.core.ssh.ExecResult execute(String cmd) { return ops().execute(cmd); }
    public String succeed(String cmd) { return ops().succeed(cmd); }
    public String fail(String cmd) { return ops().fail(cmd); }
    public String waitUntilSucceeds(String cmd) { return ops().waitUntilSucceeds(cmd); }
    public String waitUntilSucceeds(String cmd, java.time.Duration timeout) { return ops().waitUntilSucceeds(cmd, timeout); }
    public String waitUntilFails(String cmd) { return ops().waitUntilFails(cmd); }
    public String waitUntilFails(String cmd, java.time.Duration timeout) { return ops().waitUntilFails(cmd, timeout); }
    public void waitForOpenPort(int port) { ops().waitForOpenPort(port); }
    public void waitForOpenPort(int port, java.time.Duration timeout) { ops().waitForOpenPort(port, timeout); }
    public void waitForUnit(String unit) { ops().waitForUnit(unit); }
    public void waitForUnit(String unit, java.time.Duration timeout) { ops().waitForUnit(unit, timeout); }
    public void waitForFile(String path) { ops().waitForFile(path); }
    public void waitForFile(String path, java.time.Duration timeout) { ops().waitForFile(path, timeout); }
    public String waitForConsoleText(String regex) { return ops().waitForConsoleText(regex); }
    public String waitForConsoleText(String regex, java.time.Duration timeout) { return ops().waitForConsoleText(regex, timeout); }
    public void copyTo(java.nio.file.Path local, String remote) { ops().copyTo(local, remote); }
    public void copyFrom(String remote, java.nio.file.Path local) { ops().copyFrom(remote, local); }
    public void screenshot(java.nio.file.Path file) { ops().screenshot(file); }
    public void block() { ops().block(); }
    public void unblock() { ops().unblock(); }
    public void crash() { ops().crash(); }
    public void reboot() { ops().reboot(); }
    public meros.core.qmp.QmpEvent waitForEvent(String name, java.time.Duration timeout) { return ops().waitForEvent(name, timeout); }
    // ---- end access and scenario API ----------------------------------------------------------------------

    @Override
    public String toString() { return "vm " + constellation.name() + "/" + name; }
}
