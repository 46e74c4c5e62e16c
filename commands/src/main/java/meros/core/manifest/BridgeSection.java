package meros.core.manifest;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code bridges:}: one entry per bridge, then checks that no two subnets overlap. */
final class BridgeSection {
    static final Set<String> KEYS = Set.of("subnet", "policy_type", "allowed_ports", "allowed_ips");
    static final List<String> POLICIES = List.of("host-access", "isolated");

    private final Problems problems;
    final Map<String, Bridge> bridges = new LinkedHashMap<>();
    /** Every bridge name given, valid or not (so a NIC on a broken bridge is not also "undefined"). */
    final Set<String> declared = new LinkedHashSet<>();
    private final Map<String, Node> subnetNodes = new LinkedHashMap<>();

    BridgeSection(Problems problems) {
        this.problems = problems;
    }

    void read(MapReader top) {
        MappingNode section = top.mapping("bridges", "a mapping of bridge names to bridge settings");
        if (section == null) return;
        MapReader names = new MapReader(section, "bridges", null, null, problems);
        for (String name : names.keys()) {
            Node key = names.keyNode(name);
            declared.add(name);
            checkName(name, key);
            Node value = names.node(name);
            if (value != null && !(value instanceof MappingNode)) {
                problems.at(value, "bridges." + name + ": expected a mapping (subnet: ..., policy_type: ...), got " + Yamls.describe(value));
                continue;
            }
            Bridge b = readBridge(name, new MapReader((MappingNode) value, "bridges." + name, key, KEYS, problems));
            if (b != null) bridges.put(name, b);
        }
        checkOverlaps();
    }

    private void checkName(String name, Node key) {
        if (!name.matches(VmSection.NAME_RE)) {
            problems.at(key, "bridge name '" + name + "' is not safe as an interface name (use lower-case letters, digits, '_' and '-', starting with a letter or digit)");
        } else if (name.length() > 15) {
            problems.at(key, "bridge name '" + name + "' is " + name.length() + " characters; Linux interface names allow at most 15");
        }
    }

    private Bridge readBridge(String name, MapReader m) {
        Cidr subnet = null;
        Node subnetNode = m.node("subnet");
        String written = m.requiredString("subnet", "the bridge's IPv4 network, e.g. 10.0.10.0/24");
        if (written != null) {
            try {
                subnet = Cidr.parse(written);
                String special = specialPurpose(subnet);
                if (subnet.prefix() > 30) {
                    problems.at(subnetNode, m.at("subnet") + ": '" + written + "' is too small (a bridge needs a gateway and at least one VM address: use /30 or larger)");
                    subnet = null;
                } else if (special != null) {
                    problems.at(subnetNode, m.at("subnet") + ": '" + written + "' overlaps " + special
                            + ", which a bridge cannot carry (RFC 6890); use a private range: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16");
                    subnet = null;
                } else {
                    subnetNodes.put(name, subnetNode);
                }
            } catch (IllegalArgumentException e) {
                problems.at(subnetNode, m.at("subnet") + ": " + e.getMessage());
            }
        }
        String policy = m.choice("policy_type", "host-access", POLICIES);
        List<Integer> ports = m.uniqueList("allowed_ports", s -> {
            if (!Numbers.looksNumeric(s)) throw new IllegalArgumentException("expected a port number (1..65535), got " + Yamls.describe(s));
            return MapReader.inRange(s, 1, 65535, "port ");
        });
        List<Cidr> ips = m.uniqueList("allowed_ips", s -> {
            String v = s.getValue();
            return v.contains("/") ? Cidr.parse(v) : new Cidr(Ipv4.parse(v), 32);
        });
        if (subnet == null) return null;
        return new Bridge(name, subnet, Bridge.PolicyType.fromYaml(policy), List.copyOf(ports), List.copyOf(ips));
    }

    /** Address blocks no bridge can use (RFC 6890, RFC 1122): what each is. */
    static final List<Map.Entry<Cidr, String>> SPECIAL_PURPOSE = List.of(
            Map.entry(Cidr.parse("0.0.0.0/8"), "0.0.0.0/8 (\"this network\", RFC 1122)"),
            Map.entry(Cidr.parse("127.0.0.0/8"), "127.0.0.0/8 (loopback, RFC 1122)"),
            Map.entry(Cidr.parse("169.254.0.0/16"), "169.254.0.0/16 (link-local, RFC 3927)"),
            Map.entry(Cidr.parse("224.0.0.0/4"), "224.0.0.0/4 (multicast, RFC 5771)"),
            Map.entry(Cidr.parse("240.0.0.0/4"), "240.0.0.0/4 (reserved and broadcast, RFC 1112)"));

    /** What special-purpose block {@code subnet} overlaps ({@link #SPECIAL_PURPOSE}), or null. */
    static String specialPurpose(Cidr subnet) {
        for (Map.Entry<Cidr, String> e : SPECIAL_PURPOSE) if (e.getKey().overlaps(subnet)) return e.getValue();
        return null;
    }

    private void checkOverlaps() {
        List<Bridge> seen = new ArrayList<>();
        for (Bridge b : bridges.values()) {
            for (Bridge a : seen) {
                if (a.subnet().overlaps(b.subnet())) {
                    problems.at(subnetNodes.get(b.name()), "bridges." + b.name() + ".subnet: " + b.subnet()
                            + " overlaps bridge '" + a.name() + "' (" + a.subnet() + ")");
                }
            }
            seen.add(b);
        }
    }
}
