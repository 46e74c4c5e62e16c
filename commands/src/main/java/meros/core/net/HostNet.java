package meros.core.net;

import meros.core.MerosException;
import meros.core.manifest.Bridge;
import meros.core.manifest.Forward;
import meros.core.manifest.Nic;
import meros.core.proc.Proc;
import meros.core.state.NetState;
import meros.core.state.StateDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Bridges, taps and the constellation's nftables table on the host (in the current network namespace).
 * Every resource is recorded in {@code net.json} <em>before</em> it is created, so removal after a crash or a
 * half-done {@code init} finds it; removal of something already gone is not an error.
 */
public final class HostNet {
    private static final Duration T = Duration.ofSeconds(20);
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final String constellation;
    private final StateDir state;

    public HostNet(String constellation, StateDir state) {
        this.constellation = constellation;
        this.state = state;
    }

    public static boolean linkExists(String dev) {
        return Proc.of("ip", "link", "show", "dev", dev).timeout(T).call().ok();
    }

    /** Creates the bridges (with the gateway address) and loads the policy table; returns what it did, one line each. */
    public List<String> bridgesUp(Collection<Bridge> bridges) {
        return bridgesUp(bridges, List.of());
    }

    /** As {@link #bridgesUp(Collection)}, with DNAT chains for the bridged VMs' port forwards. */
    public List<String> bridgesUp(Collection<Bridge> bridges, List<NftRules.VmForwards> forwards) {
        List<String> done = new ArrayList<>();
        for (Bridge b : bridges) {
            record(NetState.read(state.netJson()).withBridge(b.name()));
            if (!linkExists(b.name())) {
                Proc.of("ip", "link", "add", b.name(), "type", "bridge").timeout(T).run();
                done.add("bridge " + b.name() + " " + b.gateway() + "/" + b.subnet().prefix() + " (" + b.policy().yaml + ")");
            }
            Proc.of("ip", "addr", "replace", b.gateway() + "/" + b.subnet().prefix(), "dev", b.name()).timeout(T).run();
            Proc.of("ip", "link", "set", b.name(), "up").timeout(T).run();
        }
        String table = NftRules.tableName(constellation);
        record(NetState.read(state.netJson()).withNftTable(table));
        Proc.of("nft", "-f", "-").stdin(NftRules.generate(constellation, bridges, forwards)).timeout(T).run();
        for (NftRules.VmForwards v : forwards) {
            if (v.forwards().stream().anyMatch(f -> f.address().startsWith("127."))) routeLocalnet(v.bridge());
        }
        if (NftRules.needsForwarding(bridges) && !ipForwarding()) {
            NetState s = NetState.read(state.netJson());
            record(new NetState(s.bridges(), s.taps(), s.nftTable(), true));
            setIpForwarding(true);
            done.add("net.ipv4.ip_forward (was off)");
        }
        return done;
    }

    /** Creates the tap of a NIC on its bridge. */
    public void tapUp(Nic nic) {
        record(NetState.read(state.netJson()).withTap(nic.label()));
        if (!linkExists(nic.label())) {
            Proc.of("ip", "tuntap", "add", "dev", nic.label(), "mode", "tap").timeout(T).run();
        }
        Proc.of("ip", "link", "set", nic.label(), "master", nic.bridge()).timeout(T).run();
        Proc.of("ip", "link", "set", nic.label(), "up").timeout(T).run();
    }

    /** Removes the given taps (if this constellation recorded them); returns what was removed. */
    public List<String> tapsDown(Collection<String> labels) {
        List<String> removed = new ArrayList<>();
        NetState s = NetState.read(state.netJson());
        for (String t : labels) {
            if (!s.taps().contains(t)) continue;
            if (delLink(t)) removed.add("tap " + t);
            s = s.withoutTap(t);
            record(s);
        }
        return removed;
    }

    /** Removes everything recorded: taps, bridges, the nft table; restores ip_forward if meros turned it on. */
    public List<String> allDown() {
        NetState s = NetState.read(state.netJson());
        List<String> removed = new ArrayList<>(tapsDown(s.taps()));
        for (String b : s.bridges()) if (delLink(b)) removed.add("bridge " + b);
        if (s.nftTable() != null && Proc.of("nft", "list", "table", "inet", s.nftTable()).timeout(T).call().ok()) {
            Proc.of("nft", "delete", "table", "inet", s.nftTable()).timeout(T).run();
            removed.add("nftables table inet " + s.nftTable());
        }
        if (s.ipForwardWasOff() && ipForwarding()) {
            setIpForwarding(false);
            removed.add("net.ipv4.ip_forward=1 (back to 0)");
        }
        try {
            Files.deleteIfExists(state.netJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    /**
     * Adds a DNAT rule for a forward to a VM's chain in the constellation's table (made by {@link #bridgesUp} with
     * the VM's forwards); a loopback host address also needs {@code route_localnet=1} on the bridge (it goes with
     * the bridge).
     */
    public void addForward(String vm, String bridge, String guestIp, Forward f) {
        String table = NetState.read(state.netJson()).nftTable();
        if (table == null) throw MerosException.failed("constellation " + constellation + " has no nftables table (is it initialized with bridges?)");
        if (f.address().startsWith("127.")) routeLocalnet(bridge);
        Proc.of("nft", "add", "rule", "inet", table, NftRules.forwardChain(vm), NftRules.dnatRule(f, guestIp)).timeout(T).run();
    }

    /** Removes a VM's forwards (its chain's rules) from the constellation's table, if both exist. */
    public List<String> forwardsDown(String vm) {
        String table = NetState.read(state.netJson()).nftTable();
        if (table == null) return List.of();
        String chain = NftRules.forwardChain(vm);
        if (!Proc.of("nft", "list", "chain", "inet", table, chain).timeout(T).call().ok()) return List.of();
        Proc.of("nft", "flush", "chain", "inet", table, chain).timeout(T).run();
        return List.of("nftables forwards of " + vm + " (chain " + chain + ")");
    }

    /** Lets connections the host makes from 127.0.0.1 leave through the bridge (DNAT'ed to a VM, then masqueraded). */
    static void routeLocalnet(String bridge) {
        Path p = Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet");
        try {
            Files.writeString(p, "1\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    /** What is recorded as created (for {@code info}). */
    public NetState recorded() { return NetState.read(state.netJson()); }

    private static boolean delLink(String dev) {
        if (!linkExists(dev)) return false;
        Proc.of("ip", "link", "del", "dev", dev).timeout(T).run();
        return true;
    }

    private void record(NetState s) { s.write(state.netJson()); }

    static boolean ipForwarding() {
        try {
            return Files.readString(IP_FORWARD).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    static void setIpForwarding(boolean on) {
        try {
            Files.writeString(IP_FORWARD, on ? "1\n" : "0\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + IP_FORWARD, e);
        }
    }
}
