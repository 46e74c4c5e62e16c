package meros.core.manifest;

import org.yaml.snakeyaml.nodes.Node;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Constellation-wide uniqueness: IP addresses, tap labels (also against bridge names) and MAC addresses. */
final class CrossChecks {
    private CrossChecks() { }

    static void run(VmSection vms, Set<String> bridgeNames, Problems problems) {
        Map<String, VmSection.PlacedNic> ips = new HashMap<>();
        Map<String, VmSection.PlacedNic> labels = new HashMap<>();
        Map<String, VmSection.PlacedNic> macs = new HashMap<>();
        for (VmSection.PlacedNic p : vms.nics) {
            Nic n = p.nic();
            VmSection.PlacedNic other = ips.putIfAbsent(n.ip(), p);
            if (other != null) {
                problems.at(p.ipNode(), "duplicate ip_addr " + n.ip() + " (also used by VM '" + other.vm() + "', line " + line(other.ipNode()) + ")");
            }
            other = labels.putIfAbsent(n.label(), p);
            if (other != null) {
                problems.at(p.labelNode(), "duplicate label '" + n.label() + "' (also used by VM '" + other.vm() + "', line " + line(other.labelNode()) + ")");
            } else if (bridgeNames.contains(n.label())) {
                problems.at(p.labelNode(), "label '" + n.label() + "' is also a bridge name; the tap and the bridge need different interface names");
            }
            other = macs.putIfAbsent(n.mac(), p);
            if (other != null) {
                String hint = p.macNode() == null
                        ? "; derived from constellation, VM and label: give this interface its own mac:" : "";
                problems.at(p.macNode() != null ? p.macNode() : p.itemNode(), "duplicate MAC address " + n.mac()
                        + " (also used by VM '" + other.vm() + "' interface '" + other.nic().label() + "'" + hint + ")");
            }
        }
    }

    private static int line(Node n) {
        return n == null ? 0 : n.getStartMark().getLine() + 1;
    }
}
