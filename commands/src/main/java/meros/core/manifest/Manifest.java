package meros.core.manifest;

import meros.core.base.Names;
import meros.core.base.MerosException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A validated constellation: the resolved manifest with every default filled in.
 * Maps keep the manifest's order.
 *
 * @param name     the constellation's name (its directory name)
 * @param dir      {@code constellations/<name>/}
 * @param file     the manifest file that was read
 */
public record Manifest(String name, Path dir, Path file, Map<String, Bridge> bridges, Map<String, Vm> vms) {

    public Vm vm(String vmName) {
        Vm v = vms.get(vmName);
        if (v == null) throw MerosException.usage("constellation '" + name + "' has no VM '" + vmName + "'"
                + Names.meantOrSome(vmName, vms.keySet()));
        return v;
    }

    public List<String> vmNames() { return List.copyOf(vms.keySet()); }

    /** Constellation-wide includes: {@code <dir>/includes.chroot}. */
    public Path includes() { return dir.resolve("includes.chroot"); }
    public Path hooks() { return dir.resolve("hooks"); }
    public Path vmIncludes(String vm) { return dir.resolve(vm).resolve("includes.chroot"); }
    public Path vmHooks(String vm) { return dir.resolve(vm).resolve("hooks"); }
}
