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

    @Override
    public String toString() { return "vm " + constellation.name() + "/" + name; }
}
