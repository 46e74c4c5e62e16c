package meros.core.qemu;

import meros.core.Home;
import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.HostNet;
import meros.core.state.NetState;
import meros.core.state.StateDir;
import meros.core.state.VmState;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** What {@code info} shows: per VM its live state, per bridge its policy and whether it exists. */
public record Info(String constellation, List<VmRow> vms, List<BridgeRow> bridges) {

    public record VmRow(String vm, String state, String reason, long pid, String accel, long uptimeSeconds,
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
            rows.add(new VmRow(vm.name(), s.state(), s.reason(), s.pid(), rec == null ? "-" : rec.accel(),
                    live && rec != null ? (System.currentTimeMillis() - rec.startedAt()) / 1000 : -1,
                    addrs.isEmpty() ? "-" : addrs, ssh,
                    home.display(r.disk()) + (java.nio.file.Files.exists(r.disk()) ? "" : " (not built)"),
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
        return new Info(m.name(), rows, bs);
    }

    public VmRow vm(String name) {
        return vms.stream().filter(v -> v.vm().equals(name)).findFirst().orElseThrow();
    }

    /** The table as text (no trailing newline). */
    public String render() {
        List<String[]> t = new ArrayList<>();
        t.add(new String[] {"VM", "STATE", "PID", "ACCEL", "UPTIME", "ADDRESSES", "SSH", "DISK", "STARTED"});
        for (VmRow r : vms) {
            t.add(new String[] {r.vm(), r.state(), r.pid() > 0 ? Long.toString(r.pid()) : "-", r.accel(),
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
        return sb.toString();
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
