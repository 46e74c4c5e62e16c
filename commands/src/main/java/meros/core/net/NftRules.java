package meros.core.net;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Forward;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nftables table of one constellation ({@code inet meros_<c>}), generated from its bridges' policies.
 * <ul>
 *   <li>Both policies: the bridge's DNS forwarder on the gateway address answers on port 53 (udp and tcp).</li>
 *   <li>{@code host-access}: from the bridge, the host answers on {@code allowed_ports} only; everything else
 *       addressed to the host is dropped. Traffic to the outside world is forwarded and masqueraded.</li>
 *   <li>{@code isolated}: VMs reach each other on the bridge (layer 2, never routed); the host answers on
 *       {@code allowed_ports} only; only destinations in {@code allowed_ips} are forwarded (and masqueraded);
 *       everything else from or to the bridge is dropped.</li>
 * </ul>
 * Traffic between two VMs of one bridge always passes (it only reaches the forward hook when the host has
 * {@code br_netfilter} loaded). Replies to allowed connections pass in both policies ({@code ct state established,related}).
 * The script is loaded with {@code nft -f -} as one transaction that replaces any earlier version of the table.
 */
public final class NftRules {
    private NftRules() { }

    /**
     * {@code meros_} and the constellation name with every character but letters and digits escaped, so that
     * different names never share a table: {@code _} → {@code __}, {@code -} → {@code _h}, {@code .} → {@code _d},
     * anything else → {@code _x<hex code point>_} ({@code team-lab} → {@code meros_team_hlab},
     * {@code team_lab} → {@code meros_team__lab}).
     */
    public static String tableName(String constellation) {
        StringBuilder b = new StringBuilder("meros_");
        constellation.codePoints().forEach(cp -> {
            if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) b.appendCodePoint(cp);
            else if (cp == '_') b.append("__");
            else if (cp == '-') b.append("_h");
            else if (cp == '.') b.append("_d");
            else b.append("_x").append(Integer.toHexString(cp)).append('_');
        });
        return b.toString();
    }

    /** Whether any bridge needs routing to the outside (so {@code net.ipv4.ip_forward} must be on). */
    public static boolean needsForwarding(Collection<Bridge> bridges) {
        return bridges.stream().anyMatch(b -> b.policy() == Bridge.PolicyType.HOST_ACCESS || !b.allowedIps().isEmpty());
    }

    public static String generate(String constellation, Collection<Bridge> bridges) {
        return generate(constellation, bridges, List.of());
    }

    /**
     * The forwards of one bridged VM: its first NIC's bridge and address, and its manifest {@code forwards:}.
     * Each such VM gets a chain {@code fwd_<vm>} of DNAT rules, jumped to from the {@code prerouting} (traffic from
     * other hosts) and {@code output} (the host's own, e.g. to 127.0.0.1) NAT chains; live forwards are added to it
     * and {@code shutdown} of the VM flushes it.
     */
    public record VmForwards(String vm, String bridge, String guestIp, List<Forward> forwards) { }

    /** The chain holding a VM's DNAT rules. */
    public static String forwardChain(String vm) { return "fwd_" + vm.replaceAll("[^A-Za-z0-9_]", "_"); }

    /**
     * One forward as an nft rule body for a VM's forward chain: {@code ip daddr 127.0.0.1 tcp dport 8080 dnat ip to
     * 10.0.0.2:80}; address 0.0.0.0 matches every local address ({@code fib daddr type local}).
     */
    public static String dnatRule(Forward f, String guestIp) {
        String match = f.address().equals("0.0.0.0") ? "meta nfproto ipv4 fib daddr type local" : "ip daddr " + f.address();
        return match + " " + f.protocol() + " dport " + f.host() + " dnat ip to " + guestIp + ":" + f.guest();
    }

    /**
     * As {@link #generate(String, Collection)}, plus the NAT chains for port forwards to bridged VMs: DNAT per VM
     * chain, the forward hook lets DNAT'ed connections onto isolated bridges, and connections the host makes from a
     * loopback address leave the bridge masqueraded to the gateway (the bridge needs {@code route_localnet=1}).
     */
    public static String generate(String constellation, Collection<Bridge> bridges, List<VmForwards> forwards) {
        String t = tableName(constellation);
        StringBuilder s = new StringBuilder();
        // declare-then-delete makes the load replace an existing table and succeed when there is none
        s.append("table inet ").append(t).append(" {\n}\n");
        s.append("delete table inet ").append(t).append("\n");
        s.append("table inet ").append(t).append(" {\n");

        s.append("\tchain input {\n");
        s.append("\t\ttype filter hook input priority filter; policy accept;\n");
        for (Bridge b : bridges) {
            String i = "\t\tiifname \"" + b.name() + "\" ";
            s.append(i).append("ct state established,related accept\n");
            // the bridge's DNS forwarder (dnsmasq on the gateway address), whatever the policy
            s.append(i).append("ip daddr ").append(b.gateway()).append(" udp dport 53 accept\n");
            s.append(i).append("ip daddr ").append(b.gateway()).append(" tcp dport 53 accept\n");
            if (!b.allowedPorts().isEmpty()) {
                s.append(i).append("ip daddr ").append(b.gateway()).append(" tcp dport ").append(set(b.allowedPorts())).append(" accept\n");
                s.append(i).append("ip daddr ").append(b.gateway()).append(" udp dport ").append(set(b.allowedPorts())).append(" accept\n");
            }
            s.append(i).append("drop\n");
        }
        s.append("\t}\n");

        s.append("\tchain forward {\n");
        s.append("\t\ttype filter hook forward priority filter; policy accept;\n");
        for (Bridge b : bridges) {
            String in = "\t\tiifname \"" + b.name() + "\" ";
            String out = "\t\toifname \"" + b.name() + "\" ";
            // VM to VM on one bridge is switched, not routed; with br_netfilter loaded it still passes this hook
            s.append(in).append("oifname \"").append(b.name()).append("\" accept\n");
            s.append(out).append("ct state established,related accept\n");
            if (b.policy() == Bridge.PolicyType.HOST_ACCESS) {
                s.append(in).append("accept\n");
            } else if (!b.allowedIps().isEmpty()) {
                s.append(in).append("ip daddr ").append(cidrs(b.allowedIps())).append(" accept\n");
            }
            if (!forwards.isEmpty()) s.append(out).append("ct status dnat accept\n");
            s.append(in).append("drop\n");
            s.append(out).append("drop\n");
        }
        s.append("\t}\n");

        s.append("\tchain postrouting {\n");
        s.append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        for (Bridge b : bridges) {
            String src = "\t\tip saddr " + b.subnet() + " oifname != \"" + b.name() + "\" ";
            if (b.policy() == Bridge.PolicyType.HOST_ACCESS) {
                s.append(src).append("masquerade\n");
            } else if (!b.allowedIps().isEmpty()) {
                s.append(src).append("ip daddr ").append(cidrs(b.allowedIps())).append(" masquerade\n");
            }
            if (!forwards.isEmpty()) s.append("\t\tip saddr 127.0.0.0/8 oifname \"").append(b.name()).append("\" masquerade\n");
        }
        s.append("\t}\n");
        if (!forwards.isEmpty()) {
            // nft accepts the name dstnat for prerouting only; -100 is its value
            for (String hook : List.of("prerouting", "output")) {
                s.append("\tchain ").append(hook).append("_fwd {\n");
                s.append("\t\ttype nat hook ").append(hook).append(" priority -100; policy accept;\n");
                for (VmForwards v : forwards) s.append("\t\tjump ").append(forwardChain(v.vm())).append("\n");
                s.append("\t}\n");
            }
            for (VmForwards v : forwards) {
                s.append("\tchain ").append(forwardChain(v.vm())).append(" {\n");
                for (Forward f : v.forwards()) s.append("\t\t").append(dnatRule(f, v.guestIp())).append("\n");
                s.append("\t}\n");
            }
        }
        s.append("}\n");
        return s.toString();
    }

    private static String set(List<Integer> ports) {
        return "{ " + ports.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " }";
    }

    private static String cidrs(List<Cidr> c) {
        return "{ " + c.stream().map(Cidr::toString).collect(Collectors.joining(", ")) + " }";
    }
}
