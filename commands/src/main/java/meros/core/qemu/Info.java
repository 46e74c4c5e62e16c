package meros.core.qemu;

import meros.core.Home;
import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Forward;
import meros.core.manifest.Manifest;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.HostNet;
import meros.core.state.ForwardState;
import meros.core.state.MountState;
import meros.core.state.NetState;
import meros.core.state.StateDir;
import meros.core.state.VmState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code info} shows: per VM its architecture and live state, per bridge its policy and whether it exists, each VM's mounts
 * (with the transport serving them while it runs) and port forwards (manifest and live ones).
 */
public record Info(String constellation, List<VmRow> vms, List<BridgeRow> bridges, List<MountRow> mounts, List<ForwardRow> forwards) {

    /** Without mounts and forwards. */
    public Info(String constellation, List<VmRow> vms, List<BridgeRow> bridges) {
        this(constellation, vms, bridges, List.of(), List.of());
    }

    /**
     * @param transport {@code virtiofs} or {@code 9p} while the VM runs, else {@code -}
     * @param mode      {@code ro} or {@code rw}
     */
    public record MountRow(String vm, String source, String target, String mode, String transport) { }

    /**
     * @param via    {@code hostfwd} or {@code nft} while the VM runs, else {@code -}
     * @param origin {@code manifest} or {@code live}
     */
    public record ForwardRow(String vm, String protocol, String host, int guest, String via, String origin) { }

    private static final String NOT_BUILT = " (not built)";

    /** @param arch the manifest's {@code arch} ({@code x86_64}, {@code aarch64}) */
    public record VmRow(String vm, String state, String reason, long pid, String arch, String accel, long uptimeSeconds,
                        String addresses, String ssh, String disk, String started) { }

    public record BridgeRow(String bridge, String subnet, String policy, String allowedPorts, String allowedIps, String host) { }

    public static Info of(Home home, Manifest m) {
        List<VmRow> rows = new ArrayList<>();
        for (Vm vm : m.vms().values()) {
            VmRuntime r = new VmRuntime(home, m.name(), vm);
            VmRuntime.Status s = r.status();
            VmState rec = r.recorded();
            boolean live = r.running();
            String addrs = vm.networks().stream().map(Nic::ip).collect(Collectors.joining(","));
            String ssh = rec != null && rec.sshHost() != null ? rec.sshHost() + ":" + rec.sshPort()
                    : !vm.networks().isEmpty() ? vm.networks().get(0).ip() + ":22" : "-";
            rows.add(new VmRow(vm.name(), s.state(), s.reason(), s.pid(), vm.arch(), rec == null ? "-" : rec.accel(),
                    live && rec != null ? (System.currentTimeMillis() - rec.startedAt()) / 1000 : -1,
                    addrs.isEmpty() ? "-" : addrs, ssh,
                    home.display(r.disk()) + (java.nio.file.Files.exists(r.disk()) ? "" : NOT_BUILT),
                    live ? SavedBoot.startedHow(r) : "-"));
        }
        NetState net = NetState.read(StateDir.of(home, m.name()).netJson());
        List<BridgeRow> bs = new ArrayList<>();
        for (Bridge b : m.bridges().values()) {
            String host = net.bridges().contains(b.name()) && HostNet.linkExists(b.name())
                    ? "up " + b.gateway() + (net.nftTable() != null ? ", nft inet " + net.nftTable() : "")
                    : "-";
            bs.add(new BridgeRow(b.name(), b.subnet().toString(), b.policy().yaml,
                    b.allowedPorts().isEmpty() ? "-" : b.allowedPorts().stream().map(String::valueOf).collect(Collectors.joining(",")),
                    b.allowedIps().isEmpty() ? "-" : b.allowedIps().stream().map(Cidr::toString).collect(Collectors.joining(",")),
                    host));
        }
        List<MountRow> mounts = new ArrayList<>();
        List<ForwardRow> forwards = new ArrayList<>();
        for (Vm vm : m.vms().values()) {
            VmRuntime r = new VmRuntime(home, m.name(), vm);
            boolean live = r.running();
            MountState ms = live ? MountState.read(r.paths().mountsJson()) : null;
            for (Mount mt : vm.mounts()) {
                mounts.add(new MountRow(vm.name(), shown(m, mt.source()), mt.target(), mt.readonly() ? "ro" : "rw", ms == null ? "-" : ms.transport()));
            }
            List<ForwardState.Entry> fs = live ? ForwardState.read(r.paths().forwardsJson()).forwards() : List.of();
            if (fs.isEmpty()) {
                for (Forward f : vm.forwards()) {
                    forwards.add(new ForwardRow(vm.name(), f.protocol(), f.address() + ":" + f.host(), f.guest(), "-", "manifest"));
                }
            }
            for (ForwardState.Entry e : fs) {
                forwards.add(new ForwardRow(vm.name(), e.protocol(), e.address() + ":" + e.host(), e.guest(), e.via(), e.live() ? "live" : "manifest"));
            }
        }
        return new Info(m.name(), rows, bs, mounts, forwards);
    }

    /** A mount source as the manifest would name it: relative inside the constellation directory, else absolute. */
    static String shown(Manifest m, Path source) {
        Path dir = m.dir() == null ? null : m.dir().toAbsolutePath().normalize();
        return dir != null && source.startsWith(dir) ? dir.relativize(source).toString() : source.toString();
    }

    public VmRow vm(String name) {
        return vms.stream().filter(v -> v.vm().equals(name)).findFirst().orElseThrow();
    }

    /** The table as text (no trailing newline). */
    public String render() {
        List<String[]> t = new ArrayList<>();
        t.add(new String[] {"VM", "STATE", "PID", "ARCH", "ACCEL", "UPTIME", "ADDRESSES", "SSH", "DISK", "STARTED"});
        for (VmRow r : vms) {
            t.add(new String[] {r.vm(), r.state(), r.pid() > 0 ? Long.toString(r.pid()) : "-", r.arch(), r.accel(),
                    r.uptimeSeconds() < 0 ? "-" : uptime(r.uptimeSeconds()), r.addresses(), r.ssh(), r.disk(), r.started()});
        }
        StringBuilder sb = new StringBuilder("constellation " + constellation + "\n");
        sb.append(table(t));
        for (VmRow r : vms) if (r.reason() != null) sb.append("\n").append(r.vm()).append(": ").append(r.reason());
        if (!bridges.isEmpty()) {
            List<String[]> b = new ArrayList<>();
            b.add(new String[] {"BRIDGE", "SUBNET", "POLICY", "ALLOWED PORTS", "ALLOWED IPS", "HOST"});
            for (BridgeRow r : bridges) b.add(new String[] {r.bridge(), r.subnet(), r.policy(), r.allowedPorts(), r.allowedIps(), r.host()});
            sb.append("\n").append(table(b));
        }
        if (!mounts.isEmpty()) {
            List<String[]> t2 = new ArrayList<>();
            t2.add(new String[] {"MOUNT", "SOURCE", "TARGET", "MODE", "TRANSPORT"});
            for (MountRow r : mounts) t2.add(new String[] {r.vm(), r.source(), r.target(), r.mode(), r.transport()});
            sb.append("\n").append(table(t2));
        }
        if (!forwards.isEmpty()) {
            List<String[]> t2 = new ArrayList<>();
            t2.add(new String[] {"FORWARD", "PROTO", "HOST", "GUEST", "VIA", "ORIGIN"});
            for (ForwardRow r : forwards) t2.add(new String[] {r.vm(), r.protocol(), r.host(), Integer.toString(r.guest()), r.via(), r.origin()});
            sb.append("\n").append(table(t2));
        }
        return sb.toString();
    }

    /** The table as ordered maps (the {@code info --json} shape, docs/json.md): absent values are null, lists are lists. */
    public Map<String, Object> toMap() {
        List<Object> vmList = new ArrayList<>();
        for (VmRow r : vms) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", r.vm());
            v.put("state", r.state());
            v.put("reason", r.reason());
            v.put("pid", r.pid() > 0 ? r.pid() : null);
            v.put("arch", r.arch());
            v.put("accel", dash(r.accel()));
            v.put("uptime_seconds", r.uptimeSeconds() < 0 ? null : r.uptimeSeconds());
            v.put("addresses", dash(r.addresses()) == null ? List.of() : Arrays.asList(r.addresses().split(",")));
            v.put("ssh", dash(r.ssh()));
            boolean built = !r.disk().endsWith(NOT_BUILT);
            v.put("disk", built ? r.disk() : r.disk().substring(0, r.disk().length() - NOT_BUILT.length()));
            v.put("built", built);
            vmList.add(v);
        }
        List<Object> bridgeList = new ArrayList<>();
        for (BridgeRow r : bridges) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", r.bridge());
            b.put("subnet", r.subnet());
            b.put("policy_type", r.policy());
            b.put("allowed_ports", dash(r.allowedPorts()) == null ? List.of()
                    : Arrays.stream(r.allowedPorts().split(",")).map(Integer::valueOf).toList());
            b.put("allowed_ips", dash(r.allowedIps()) == null ? List.of() : Arrays.asList(r.allowedIps().split(",")));
            b.put("host", dash(r.host()));
            bridgeList.add(b);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", constellation);
        m.put("vms", vmList);
        m.put("bridges", bridgeList);
        return m;
    }

    private static String dash(String s) { return s == null || s.equals("-") ? null : s; }

    static String uptime(long s) {
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + (s % 60) + "s";
        return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
    }

    static String table(List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].length() + 2));
            }
            sb.append(line.toString().stripTrailing());
            if (k < rows.size() - 1) sb.append("\n");
        }
        return sb.toString();
    }

}
