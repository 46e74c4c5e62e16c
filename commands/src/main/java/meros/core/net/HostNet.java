package meros.core.net;

import meros.core.base.ExitCode;
import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Forward;
import meros.core.manifest.Ipv4;
import meros.core.manifest.Mac;
import meros.core.manifest.Manifest;
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
import java.util.stream.Stream;

/**
 * Bridges, taps and the constellation's nftables table on the host (in the current network namespace).
 * Every resource is recorded in {@code net.json} <em>before</em> it is created, so removal after a crash or a
 * half-done {@code init} finds it; removal of something already gone is not an error. An interface or table that
 * exists but is not in this constellation's record is never adopted: {@code init} refuses, naming its owner, and
 * so {@code shutdown} only ever removes what this constellation made.
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

    /**
     * The TUN/TAP clone device a tap is made through ({@code ip tuntap add} opens it; Linux's
     * Documentation/networking/tuntap.rst), or the system property {@code meros.tun.device} (end-to-end tests point
     * it at a missing file to act out a host without one).
     */
    static Path tunDevice() {
        String d = System.getProperty("meros.tun.device");
        return Path.of(d == null || d.isBlank() ? "/dev/net/tun" : d);
    }

    /**
     * Refuses bridged VMs on a host without the TUN/TAP device, before anything is made: a container started without
     * it, or a kernel without the {@code tun} module loaded. Without the check the bridges, the nftables table and the
     * DNS forwarders would be up before the first {@code ip tuntap add} failed.
     *
     * @throws MerosException MISSING_TOOL naming the device and the ways out
     */
    public static void requireTun() {
        Path tun = tunDevice();
        if (Files.exists(tun)) return;
        throw new MerosException(ExitCode.MISSING_TOOL, "bridged VMs need " + tun + " for their taps, and this host has none: load"
                + " the tun module (modprobe tun), in a container pass --device /dev/net/tun (with --cap-add NET_ADMIN),"
                + " or use network: user");
    }

    public static boolean linkExists(String dev) {
        return Proc.of("ip", "link", "show", "dev", dev).timeout(T).call().ok();
    }

    /**
     * Creates the bridges (with the gateway address) and loads the policy table; returns what it did, one line each.
     * Before changing anything it checks that every bridge and the nftables table either does not exist yet or
     * was created by this constellation (recorded in its {@code net.json}).
     *
     * @throws MerosException naming the owner when a bridge or the table exists and this constellation did not
     *                        create it (another constellation's, another checkout's, the host's own)
     */
    public List<String> bridgesUp(Collection<Bridge> bridges) {
        return bridgesUp(bridges, List.of());
    }

    /** As {@link #bridgesUp(Collection)}, with DNAT chains for the bridged VMs' port forwards. */
    public List<String> bridgesUp(Collection<Bridge> bridges, List<NftRules.VmForwards> forwards) {
        refuseForeign(bridges, List.of());
        NetState mine = NetState.read(state.netJson());
        String table = NftRules.tableName(constellation);
        List<String> done = new ArrayList<>();
        for (Bridge b : bridges) {
            if (!mine.bridges().contains(b.name())) {
                mine = mine.withBridge(b.name());
                record(mine);
                create(b.name(), "bridge", List.of("ip", "link", "add", b.name(), "type", "bridge"));
                done.add("bridge " + b.name() + " " + b.gateway() + "/" + b.subnet().prefix() + " (" + b.policy().yaml + ")");
            } else if (!linkExists(b.name())) {
                Proc.of("ip", "link", "add", b.name(), "type", "bridge").timeout(T).run();
                done.add("bridge " + b.name() + " " + b.gateway() + "/" + b.subnet().prefix() + " (" + b.policy().yaml + ")");
            }
            Proc.of("ip", "link", "set", "dev", b.name(), "address", Mac.bridge(constellation, b.name())).timeout(T).run();
            Proc.of("ip", "addr", "replace", b.gateway() + "/" + b.subnet().prefix(), "dev", b.name()).timeout(T).run();
            Proc.of("ip", "link", "set", b.name(), "up").timeout(T).run();
        }
        record(NetState.read(state.netJson()).withNftTable(table));
        Proc.of("nft", "-f", "-").stdin(NftRules.generate(constellation, bridges, forwards)).timeout(T).run();
        for (NftRules.VmForwards v : forwards) {
            if (v.forwards().stream().anyMatch(f -> f.address().startsWith("127."))) routeLocalnet(v.bridge());
        }
        if (NftRules.needsForwarding(bridges) && !ipForwarding()) {
            NetState s = NetState.read(state.netJson());
            record(new NetState(s.bridges(), s.taps(), s.nftTable(), true, s.dns()));
            setIpForwarding(true);
            done.add("net.ipv4.ip_forward (was off)");
        }
        return done;
    }

    /**
     * Checks, without changing anything, that every bridge and tap named and the constellation's nftables table
     * either do not exist yet or were created by this constellation ({@code net.json}). {@link #bridgesUp} and
     * {@link #tapUp} check their own; calling this first with all of them refuses before anything is made.
     *
     * @throws MerosException USAGE, naming the owner of the first interface or table this constellation did not create
     */
    public void refuseForeign(Collection<Bridge> bridges, Collection<Nic> taps) {
        NetState mine = NetState.read(state.netJson());
        for (Bridge b : bridges) {
            if (!mine.bridges().contains(b.name()) && linkExists(b.name())) throw notOurs("bridge", b.name());
        }
        for (Nic n : taps) {
            if (!mine.taps().contains(n.label()) && linkExists(n.label())) throw notOurs("tap", n.label());
        }
        String table = NftRules.tableName(constellation);
        if (!table.equals(mine.nftTable()) && tableExists(table)) {
            throw new MerosException(ExitCode.USAGE, "nftables table inet " + table + " exists but constellation " + constellation
                    + " of this checkout did not create it (a constellation of the same name in another checkout, or "
                    + "another program); shut that one down or rename this constellation");
        }
    }

    /**
     * Starts (or refreshes) the DNS forwarder on each bridge's gateway ({@link Dns}), with the constellation's VM names
     * as seen from that bridge; each is recorded in {@code net.json} before it starts. Call after {@link #bridgesUp}.
     *
     * @return what was started, one line each
     */
    public List<String> dnsUp(Collection<Bridge> bridges, Manifest m) {
        List<String> done = new ArrayList<>();
        Dns dns = new Dns(state.dir());
        for (Bridge b : bridges) {
            record(NetState.read(state.netJson()).withDns(b.name()));
            String line = dns.up(b, Names.table(m, List.of(b.name()), null));
            if (line != null) done.add(line);
        }
        return done;
    }

    /**
     * Creates the tap of a NIC on its bridge.
     *
     * @throws MerosException naming the owner when an interface of that name exists and this constellation did
     *                        not create it (nothing is changed then)
     */
    public void tapUp(Nic nic) {
        NetState mine = NetState.read(state.netJson());
        if (!mine.taps().contains(nic.label())) {
            if (linkExists(nic.label())) throw notOurs("tap", nic.label());
            record(mine.withTap(nic.label()));
            create(nic.label(), "tap", List.of("ip", "tuntap", "add", "dev", nic.label(), "mode", "tap"));
        } else if (!linkExists(nic.label())) {
            Proc.of("ip", "tuntap", "add", "dev", nic.label(), "mode", "tap").timeout(T).run();
        }
        Proc.of("ip", "link", "set", nic.label(), "master", nic.bridge()).timeout(T).run();
        Proc.of("ip", "link", "set", nic.label(), "up").timeout(T).run();
    }

    /**
     * Runs the command that creates a just-recorded interface; when it fails (e.g. someone made one of that name
     * since the check) the record is taken back, so {@code shutdown} never removes what it did not make.
     */
    private void create(String dev, String kind, List<String> argv) {
        try {
            Proc.of(argv).timeout(T).run();
        } catch (RuntimeException e) {
            NetState s = NetState.read(state.netJson());
            record(kind.equals("tap") ? s.withoutTap(dev) : s.withoutBridge(dev));
            throw e;
        }
    }

    /** The refusal for an interface this constellation did not create, naming who did when meros knows. */
    private MerosException notOurs(String kind, String dev) {
        String owner = owner(dev);
        String msg = owner != null
                ? kind + " " + dev + " belongs to constellation " + owner + "; constellation " + constellation
                  + " cannot use it (give it another name in the manifest, or shut " + owner + " down)"
                : kind + " " + dev + " exists on the host and was not created by meros for constellation " + constellation
                  + " (another program, or a constellation of another checkout, made it); give it another name in the manifest or remove it";
        return new MerosException(ExitCode.USAGE, msg); // as a clashing subnet or host port: the manifest must change, or the host
    }

    /** The constellation of this checkout whose {@code net.json} records {@code dev}, or null. */
    private String owner(String dev) {
        Path all = state.dir().getParent();
        if (all == null || !Files.isDirectory(all)) return null;
        try (Stream<Path> dirs = Files.list(all)) {
            for (Path d : dirs.sorted().toList()) {
                String c = d.getFileName().toString();
                if (c.equals(constellation)) continue;
                NetState s;
                try {
                    s = NetState.read(d.resolve("net.json"));
                } catch (UncheckedIOException e) {
                    continue; // unreadable record: not proof of ownership
                }
                if (s.bridges().contains(dev) || s.taps().contains(dev)) return c;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static boolean tableExists(String table) {
        return Proc.of("nft", "list", "table", "inet", table).timeout(T).call().ok();
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
        Dns dns = new Dns(state.dir());
        for (String b : s.dns()) if (dns.down(b)) removed.add("dnsmasq on bridge " + b);
        for (String b : s.bridges()) if (delLink(b)) removed.add("bridge " + b);
        if (s.nftTable() != null && tableExists(s.nftTable())) {
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
            throw MerosException.failed("cannot write " + IP_FORWARD + ": " + IoErrors.reason(e, IP_FORWARD));
        }
    }

    /**
     * Refuses, before anything is made, a bridge whose subnet overlaps a route the host already has on another device
     * ({@code ip -4 -o route show}): the host's LAN, a VPN's range, another constellation's bridge. The host would send
     * those addresses one way and the VMs' another (libvirt refuses such a network the same way). A route on the
     * bridge itself (left by an earlier run) does not count. Blocks at most {@link #T} for {@code ip}.
     *
     * @throws MerosException USAGE naming the bridge, its subnet and the route it collides with
     */
    public static void requireFreeSubnets(Collection<Bridge> bridges) {
        if (bridges.isEmpty()) return;
        String routes = Proc.of("ip", "-4", "-o", "route", "show").timeout(T).run().stdout();
        String clash = subnetClash(bridges, routes.lines().toList());
        if (clash != null) throw MerosException.usage(clash);
    }

    /**
     * The first bridge whose subnet overlaps one of {@code routes} (lines of {@code ip -4 -o route show}) on a device
     * other than the bridge, as one line; null when none does. The default route and routes {@code ip} shows without
     * a destination network are not counted.
     */
    static String subnetClash(Collection<Bridge> bridges, List<String> routes) {
        for (Bridge b : bridges) {
            for (String line : routes) {
                String[] w = line.strip().split("\\s+");
                int at = 0;
                if (w.length > 1 && List.of("unicast", "blackhole", "unreachable", "prohibit", "throw").contains(w[0])) at = 1;
                if (w.length <= at || w[at].equals("default")) continue;
                Cidr dest;
                try {
                    dest = w[at].contains("/") ? Cidr.parse(w[at]) : new Cidr(Ipv4.parse(w[at]), 32);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                String dev = null;
                for (int i = at + 1; i + 1 < w.length; i++) if (w[i].equals("dev")) dev = w[i + 1];
                if (b.name().equals(dev) || !dest.overlaps(b.subnet())) continue;
                return "bridge '" + b.name() + "' (" + b.subnet() + ") overlaps the host's route " + dest
                        + (dev == null ? "" : " on " + dev) + ": the host would send those addresses there, not to the VMs;"
                        + " give the bridge another subnet (meros validate cannot see the host's routes; 'ip route' shows them)";
            }
        }
        return null;
    }

    /**
     * Refuses, before anything is made, bridges that need IPv4 forwarding ({@link NftRules#needsForwarding}: VMs
     * reaching the outside) when it is off and this process cannot turn it on: {@code /proc/sys} read-only, as in a
     * container. The sysctl is per network namespace, so a fresh namespace starts with it off.
     *
     * @throws MerosException FAILED naming the sysctl and the ways out
     */
    public static void requireIpForwarding(Collection<Bridge> bridges) { requireIpForwarding(bridges, IP_FORWARD); }

    static void requireIpForwarding(Collection<Bridge> bridges, Path sysctl) {
        if (!NftRules.needsForwarding(bridges) || Files.isWritable(sysctl)) return;
        try {
            if (Files.readString(sysctl).strip().equals("1")) return;
        } catch (IOException e) {
            // unreadable: refused below as well
        }
        throw MerosException.failed("bridges with policy_type host-access (or allowed_ips) need net.ipv4.ip_forward=1, which is off"
                + " and " + sysctl + " is read-only here (a container?): turn it on where it can be (sysctl -w net.ipv4.ip_forward=1;"
                + " docker run --sysctl net.ipv4.ip_forward=1), or make the bridges isolated");
    }
}
