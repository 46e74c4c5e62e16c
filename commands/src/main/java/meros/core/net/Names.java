package meros.core.net;

import meros.core.manifest.HostName;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The constellation's VM names and the address each resolves to, as seen from one bridge (or from one VM): a VM's
 * address on that bridge when it has one there, else its first static address. One address per name, so a lookup
 * never returns an address the asker cannot reach when a reachable one exists. Names are the VM's hostname, and
 * its short name (first label) when the hostname is fully qualified, and its manifest name when that differs.
 */
public final class Names {
    private Names() { }

    /** Name → address for askers on {@code bridges} (first match wins), excluding {@code self} (null: nobody). */
    public static Map<String, String> table(Manifest m, List<String> bridges, String self) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Vm vm : m.vms().values()) {
            if (vm.name().equals(self) || vm.networks() == null || vm.networks().isEmpty()) continue;
            String addr = null;
            for (String b : bridges) {
                for (Nic n : vm.networks()) if (addr == null && n.bridge().equals(b) && n.ip() != null) addr = n.ip();
            }
            if (addr == null) addr = vm.networks().stream().map(Nic::ip).filter(ip -> ip != null).findFirst().orElse(null);
            if (addr == null) continue;
            String host = vm.hostname() == null || vm.hostname().isBlank() ? vm.name() : vm.hostname();
            out.putIfAbsent(host, addr);
            out.putIfAbsent(HostName.shortName(host), addr); // a fully qualified host name answers to its first label too
            out.putIfAbsent(vm.name(), addr);
        }
        return out;
    }

    /** The table as an {@code /etc/hosts}-format text (one {@code address<TAB>name} line per name). */
    public static String hostsLines(Map<String, String> table) {
        StringBuilder sb = new StringBuilder();
        table.forEach((name, addr) -> sb.append(addr).append('\t').append(name).append('\n'));
        return sb.toString();
    }
}
