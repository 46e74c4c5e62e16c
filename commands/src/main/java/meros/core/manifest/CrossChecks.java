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
            VmSection.PlacedNic other = p.ip() == null ? null : ips.putIfAbsent(p.ip(), p);
            if (other != null) {
                problems.at(p.ipNode(), "duplicate ip_addr " + p.ip() + " (also used by VM '" + other.vm() + "', line " + line(other.ipNode()) + ")");
            }
            other = p.label() == null ? null : labels.putIfAbsent(p.label(), p);
            if (other != null) {
                problems.at(p.labelNode(), "duplicate label '" + p.label() + "' (also used by VM '" + other.vm() + "', line " + line(other.labelNode()) + ")");
            } else if (p.label() != null && bridgeNames.contains(p.label())) {
                problems.at(p.labelNode(), "label '" + p.label() + "' is also a bridge name; the tap and the bridge need different interface names");
            }
            other = p.mac() == null ? null : macs.putIfAbsent(p.mac(), p);
            if (other != null) {
                String hint = p.macNode() == null
                        ? "; derived from constellation, VM and label: give this interface its own mac:" : "";
                problems.at(p.macNode() != null ? p.macNode() : p.itemNode(), "duplicate MAC address " + p.mac()
                        + " (also used by VM '" + other.vm() + "' interface '" + (other.label() == null ? "?" : other.label()) + "'" + hint + ")");
            }
        }
    }

    private static int line(Node n) {
        return n == null ? 0 : n.getStartMark().getLine() + 1;
    }
}
