package meros.core;

import meros.core.manifest.Vm;

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

    // ---- access and scenario API (issue 5): the logic lives in meros.core.scenario.MachineOps -------------
    private meros.core.scenario.MachineOps ops;

    /** SSH/guest-agent access and the scenario operations of this VM (one per handle, connections reused). */
    public synchronized meros.core.scenario.MachineOps ops() {
        if (ops == null) {
            Vm v = spec();
            ops = new meros.core.scenario.MachineOps(new meros.core.ssh.MachineAccess(constellation.meros().home(),
                    constellation.name(), name, v == null ? null : v.user()), this::spec);
        }
        return ops;
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
    public com.fasterxml.jackson.databind.JsonNode qmp(String command) { return ops().qmp(command); }
    public com.fasterxml.jackson.databind.JsonNode qmp(String command, java.util.Map<String, ?> args) { return ops().qmp(command, args); }
    public meros.core.qmp.QmpEvent waitForEvent(String name, java.time.Duration timeout) { return ops().waitForEvent(name, timeout); }
    // ---- end access and scenario API ----------------------------------------------------------------------

    @Override
    public String toString() { return "vm " + constellation.name() + "/" + name; }
}
