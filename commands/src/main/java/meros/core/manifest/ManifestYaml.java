package meros.core.manifest;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resolved manifest as plain YAML, every default filled in. The output is itself a valid manifest:
 * loading it gives the same {@link Manifest}.
 */
public final class ManifestYaml {
    private ManifestYaml() { }

    /** {@code show}'s YAML: sizes, memory too, in the largest unit that keeps them exact ({@code 1536M}, {@code 2G}). */
    public static String dump(Manifest m) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndent(2);
        o.setIndicatorIndent(2);
        o.setIndentWithIndicator(true);
        o.setSplitLines(false);
        Map<String, Object> top = toMap(m);
        // the YAML gives memory with its unit, as sizes are written (1536M, 2G); the JSON keeps MiB as a number
        for (Object vm : ((Map<?, ?>) top.get("virtual_machines")).values()) {
            @SuppressWarnings("unchecked") Map<String, Object> settings = (Map<String, Object>) vm;
            settings.put("memory", Size.format(((Number) settings.get("memory")).longValue() * VmSection.MIB));
        }
        return new Yaml(o).dump(top);
    }

    /** The resolved manifest as {@code show --json} prints it: sizes as text ({@code "2G"}), {@code memory} in MiB as a number. */
    public static Map<String, Object> toMap(Manifest m) {
        Map<String, Object> bridges = new LinkedHashMap<>();
        for (Bridge b : m.bridges().values()) bridges.put(b.name(), bridge(b));
        Map<String, Object> vms = new LinkedHashMap<>();
        for (Vm v : m.vms().values()) vms.put(v.name(), vm(v));
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("bridges", bridges);
        top.put("virtual_machines", vms);
        return top;
    }

    static Map<String, Object> bridge(Bridge b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subnet", b.subnet().toString());
        m.put("policy_type", b.policy().yaml);
        m.put("allowed_ports", new ArrayList<>(b.allowedPorts()));
        m.put("allowed_ips", b.allowedIps().stream().map(Cidr::toString).toList());
        return m;
    }

    static Map<String, Object> vm(Vm v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", v.arch());
        m.put("distribution", v.distribution());
        m.put("release", v.release());
        m.put("packages", new ArrayList<>(v.packages()));
        m.put("mirror", v.mirror());
        m.put("disk_size", Size.format(v.diskSizeBytes()));
        m.put("memory", v.memoryMiB());
        m.put("cpus", v.cpus());
        List<Object> nics = new ArrayList<>();
        for (Nic n : v.networks()) {
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("label", n.label());
            nm.put("bridge", n.bridge());
            nm.put("ip_addr", n.ip());
            nm.put("model", n.model());
            nm.put("mac", n.mac());
            nics.add(nm);
        }
        m.put("networks", nics);
        m.put("kernel", v.kernel());
        m.put("kernel_args", v.kernelArgs());
        m.put("accel", v.accel().name().toLowerCase(Locale.ROOT));
        m.put("display", v.display());
        m.put("qemu_args", new ArrayList<>(v.qemuArgs()));
        m.put("user", v.user());
        m.put("hostname", v.hostname());
        m.put("network", v.network().name().toLowerCase(Locale.ROOT));
        m.put("gui", v.gui());
        m.put("boot_timeout", v.bootTimeoutSeconds());
        // shown only when given, so manifests without them read as before
        if (!v.mounts().isEmpty()) {
            List<Object> mounts = new ArrayList<>();
            for (Mount mt : v.mounts()) {
                Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("source", mt.source().toString());
                mm.put("target", mt.target());
                mm.put("readonly", mt.readonly());
                mounts.add(mm);
            }
            m.put("mounts", mounts);
        }
        if (!v.forwards().isEmpty()) {
            List<Object> forwards = new ArrayList<>();
            for (Forward f : v.forwards()) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("host", f.host());
                fm.put("guest", f.guest());
                fm.put("protocol", f.protocol());
                fm.put("address", f.address());
                forwards.add(fm);
            }
            m.put("forwards", forwards);
        }
        return m;
    }
}
