package meros.core.lifecycle;

import meros.core.base.Home;
import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Forward;
import meros.core.manifest.Manifest;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.HostNet;
import meros.core.qemu.RunState;
import meros.core.qemu.VmRuntime;
import meros.core.state.ForwardState;
import meros.core.state.MountState;
import meros.core.state.NetState;
import meros.core.state.StateDir;
import meros.core.state.VmState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
     * @param transport {@code virtiofs} or {@code 9p} while the VM runs, else null
     * @param mode      {@code ro} or {@code rw}
     */
    public record MountRow(String vm, String source, String target, String mode, String transport) { }

    /**
     * @param via    {@code hostfwd} or {@code nft} while the VM runs, else null
     * @param origin {@code manifest} or {@code live}
     */
    public record ForwardRow(String vm, String protocol, String host, int guest, String via, String origin) { }

    /** What the tables show for a value that is absent (null, empty). */
    static final String ABSENT = "-";

    /**
     * @param reason    why the VM is in its state, or null
     * @param pid       QEMU's pid, 0 when there is none
     * @param arch      the manifest's {@code arch} ({@code x86_64}, {@code aarch64}), or null for a VM the manifest no longer names
     * @param accel     {@code KVM} or {@code TCG} of the last start, or null when it never started
     * @param uptime    since QEMU started while it runs, else null
     * @param addresses the static addresses of the manifest's NICs (empty: none)
     * @param ssh       {@code host:port} where SSH answers, or null when unknown
     * @param disk      the built disk as shown to users
     * @param built     whether the disk exists
     * @param started   {@code cold} or {@code resumed} while the VM runs and that is known, else null
     */
    public record VmRow(String vm, RunState state, String reason, long pid, String arch, Vm.Accel accel, Duration uptime,
                        List<String> addresses, String ssh, String disk, boolean built, String started) { }

    /**
     * @param allowedPorts the {@code host-access} policy's ports (empty: none)
     * @param allowedIps   the policy's CIDRs (empty: none)
     * @param host         the bridge on the host ({@code up <gateway>[, nft inet <table>]}), or null when it is not up
     */
    public record BridgeRow(String bridge, String subnet, String policy, List<Integer> allowedPorts, List<String> allowedIps, String host) { }

    public static Info of(Home home, Manifest m) {
        List<VmRow> rows = new ArrayList<>();
        for (Vm vm : m.vms().values()) {
            VmRuntime r = new VmRuntime(home, m.name(), vm);
            VmRuntime.Status s = r.status();
            VmState rec = r.recorded();
            boolean live = r.running();
            List<String> addrs = vm.networks().stream().map(Nic::ip).toList();
            String ssh = rec != null && rec.sshHost() != null ? rec.sshHost() + ":" + rec.sshPort()
                    : !vm.networks().isEmpty() ? vm.networks().get(0).ip() + ":22" : null;
            rows.add(new VmRow(vm.name(), s.state(), s.reason(), s.pid(), vm.arch(), rec == null ? null : rec.accel(),
                    live && rec != null ? Duration.ofMillis(System.currentTimeMillis() - rec.startedAt()) : null,
                    addrs, ssh, home.display(r.disk()), Files.exists(r.disk()),
                    live ? SavedBoot.startedHow(r) : null));
        }
        VmRuntime.unnamedRunning(home, m.name(), m.vmNames()).forEach((n, r) -> {
            VmRuntime.Status s = r.status();
            VmState rec = r.recorded();
            rows.add(new VmRow(n, s.state(), Lifecycle.NOT_IN_MANIFEST + "; 'meros shutdown " + m.name() + "' stops it",
                    s.pid(), null, rec == null ? null : rec.accel(),
                    rec != null ? Duration.ofMillis(System.currentTimeMillis() - rec.startedAt()) : null, List.of(),
                    rec != null && rec.sshHost() != null ? rec.sshHost() + ":" + rec.sshPort() : null,
                    home.display(r.disk()), Files.exists(r.disk()), SavedBoot.startedHow(r)));
        });
        NetState net = NetState.read(StateDir.of(home, m.name()).netJson());
        List<BridgeRow> bs = new ArrayList<>();
        for (Bridge b : m.bridges().values()) {
            String host = net.bridges().contains(b.name()) && HostNet.linkExists(b.name())
                    ? "up " + b.gateway() + (net.nftTable() != null ? ", nft inet " + net.nftTable() : "")
                    : null;
            bs.add(new BridgeRow(b.name(), b.subnet().toString(), b.policy().yaml, List.copyOf(b.allowedPorts()),
                    b.allowedIps().stream().map(Cidr::toString).toList(), host));
        }
        List<MountRow> mounts = new ArrayList<>();
        List<ForwardRow> forwards = new ArrayList<>();
        for (Vm vm : m.vms().values()) {
            VmRuntime r = new VmRuntime(home, m.name(), vm);
            boolean live = r.running();
            MountState ms = live ? MountState.read(r.paths().mountsJson()) : null;
            for (Mount mt : vm.mounts()) {
                mounts.add(new MountRow(vm.name(), shown(m, mt.source()), mt.target(), mt.readonly() ? "ro" : "rw", ms == null ? null : ms.transport()));
            }
            List<ForwardState.Entry> fs = live ? ForwardState.read(r.paths().forwardsJson()).forwards() : List.of();
            if (fs.isEmpty()) {
                for (Forward f : vm.forwards()) {
                    forwards.add(new ForwardRow(vm.name(), f.protocol(), f.address() + ":" + f.host(), f.guest(), null, "manifest"));
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
            t.add(new String[] {r.vm(), r.state().toString(), r.pid() > 0 ? Long.toString(r.pid()) : ABSENT, shown(r.arch()), r.accel() == null ? ABSENT : r.accel().text(),
                    r.uptime() == null ? ABSENT : uptime(r.uptime().toSeconds()), shown(r.addresses()), shown(r.ssh()),
                    r.disk() + (r.built() ? "" : " (not built)"), shown(r.started())});
        }
        StringBuilder sb = new StringBuilder("constellation " + constellation + "\n");
        sb.append(table(t));
        for (VmRow r : vms) if (r.reason() != null) sb.append("\n").append(r.vm()).append(": ").append(r.reason());
        if (!bridges.isEmpty()) {
            List<String[]> b = new ArrayList<>();
            b.add(new String[] {"BRIDGE", "SUBNET", "POLICY", "ALLOWED PORTS", "ALLOWED IPS", "HOST"});
            for (BridgeRow r : bridges) {
                b.add(new String[] {r.bridge(), r.subnet(), r.policy(), shown(r.allowedPorts()), shown(r.allowedIps()), shown(r.host())});
            }
            sb.append("\n").append(table(b));
        }
        if (!mounts.isEmpty()) {
            List<String[]> t2 = new ArrayList<>();
            t2.add(new String[] {"MOUNT", "SOURCE", "TARGET", "MODE", "TRANSPORT"});
            for (MountRow r : mounts) t2.add(new String[] {r.vm(), r.source(), r.target(), r.mode(), shown(r.transport())});
            sb.append("\n").append(table(t2));
        }
        if (!forwards.isEmpty()) {
            List<String[]> t2 = new ArrayList<>();
            t2.add(new String[] {"FORWARD", "PROTO", "HOST", "GUEST", "VIA", "ORIGIN"});
            for (ForwardRow r : forwards) t2.add(new String[] {r.vm(), r.protocol(), r.host(), Integer.toString(r.guest()), shown(r.via()), r.origin()});
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
            v.put("state", r.state().toString());
            v.put("reason", r.reason());
            v.put("pid", r.pid() > 0 ? r.pid() : null);
            v.put("arch", r.arch());
            v.put("accel", r.accel() == null ? null : r.accel().text());
            v.put("uptime_seconds", r.uptime() == null ? null : r.uptime().toSeconds());
            v.put("addresses", r.addresses());
            v.put("ssh", r.ssh());
            v.put("disk", r.disk());
            v.put("built", r.built());
            vmList.add(v);
        }
        List<Object> bridgeList = new ArrayList<>();
        for (BridgeRow r : bridges) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", r.bridge());
            b.put("subnet", r.subnet());
            b.put("policy_type", r.policy());
            b.put("allowed_ports", r.allowedPorts());
            b.put("allowed_ips", r.allowedIps());
            b.put("host", r.host());
            bridgeList.add(b);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", constellation);
        m.put("vms", vmList);
        m.put("bridges", bridgeList);
        return m;
    }

    private static String shown(Object value) { return value == null ? ABSENT : value.toString(); }

    private static String shown(List<?> values) {
        return values.isEmpty() ? ABSENT : values.stream().map(Object::toString).collect(Collectors.joining(","));
    }

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
