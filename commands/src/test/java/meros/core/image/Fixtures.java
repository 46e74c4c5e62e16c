package meros.core.image;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Manifest and VM records built directly, as the loader would resolve them. */
final class Fixtures {
    private Fixtures() { }

    static Vm vm(String name, String distribution, String release, List<String> packages, String mirror, List<Nic> nics) {
        return vm("x86_64", name, distribution, release, packages, mirror, nics);
    }

    static Vm vm(String arch, String name, String distribution, String release, List<String> packages, String mirror, List<Nic> nics) {
        return new Vm(name, arch, distribution, release, packages, mirror, 2L << 30, 1024, 2, nics,
                null, null, Vm.Accel.AUTO, "none", List.of(), "debian", null, Vm.NetworkMode.AUTO, false, 120);
    }

    static Vm debian(String name, List<Nic> nics) {
        return vm(name, "debian", "stable", List.of("curl"), null, nics);
    }

    static Bridge bridge(String name, String cidr) {
        return new Bridge(name, Cidr.parse(cidr), Bridge.PolicyType.HOST_ACCESS, List.of(22), List.of());
    }

    static Manifest manifest(String name, Path dir, List<Bridge> bridges, List<Vm> vms) {
        Map<String, Bridge> b = new LinkedHashMap<>();
        for (Bridge x : bridges) b.put(x.name(), x);
        Map<String, Vm> v = new LinkedHashMap<>();
        for (Vm x : vms) v.put(x.name(), x);
        return new Manifest(name, dir, dir.resolve(name + ".yml"), b, v);
    }
}
