package meros.core.image;

import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.qemu.QemuArgs;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whatever order the guest kernel finds the NICs in, the address meant for a MAC lands on the interface with that MAC.
 * Each distribution's generated configuration is applied to every order of the devices by a small model of the guest
 * side: systemd-networkd's first matching {@code .network} file (Debian), busybox {@code nameif} with {@code /etc/mactab}
 * followed by ifupdown's {@code iface} stanzas (Alpine).
 */
class NicsByMacTest {
    static final String MAC_A = "52:54:00:AA:00:01";
    static final String MAC_B = "52:54:00:aa:00:02";

    static Manifest lab(String distribution) {
        List<Nic> nics = List.of(new Nic("tap_web_0", "front", "10.0.10.21", "virtio-net-pci", MAC_A),
                new Nic("tap_web_1", "back", "172.16.5.7", "virtio-net-pci", MAC_B));
        Vm web = Fixtures.vm("web", distribution, "stable", List.of(), null, nics);
        return Fixtures.manifest("lab", Path.of("/nonexistent/lab"),
                List.of(Fixtures.bridge("front", "10.0.10.0/24"), Fixtures.bridge("back", "172.16.0.0/16")), List.of(web));
    }

    /** What each MAC must get: its static address, and DHCP for the user-mode management NIC. */
    static Map<String, String> expected() {
        Map<String, String> m = new TreeMap<>();
        m.put(MAC_A.toLowerCase(Locale.ROOT), "10.0.10.21/24");
        m.put(MAC_B.toLowerCase(Locale.ROOT), "172.16.5.7/16");
        m.put(QemuArgs.managementMac("lab", "web"), "dhcp");
        return m;
    }

    static List<List<String>> permutations(List<String> items) {
        if (items.isEmpty()) return List.of(List.of());
        List<List<String>> out = new ArrayList<>();
        for (String first : items) {
            List<String> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<String> p : permutations(rest)) {
                List<String> l = new ArrayList<>();
                l.add(first);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }

    static boolean glob(String pattern, String name) {
        return name.matches(pattern.replace(".", "\\.").replace("*", ".*"));
    }

    /** systemd-networkd: the first .network file in name order whose [Match] fits the link configures it. */
    static String networkd(Map<String, String> files, String kernelName, String mac) {
        for (String path : new TreeMap<>(files).keySet()) {
            String f = files.get(path);
            boolean match = true;
            String address = f.contains("DHCP=ipv4") ? "dhcp" : null;
            for (String l : f.lines().toList()) {
                if (l.startsWith("MACAddress=")) match &= l.substring(11).equalsIgnoreCase(mac);
                if (l.startsWith("Name=")) match &= List.of(l.substring(5).split(" ")).stream().anyMatch(p -> glob(p, kernelName));
                if (l.startsWith("Address=")) address = l.substring(8);
            }
            if (match) return address;
        }
        return "unconfigured";
    }

    @Test
    void debianPutsEachMacsAddressOnThatMacsInterfaceWhateverTheDeviceOrder() {
        Manifest m = lab("debian");
        Map<String, String> files = new GuestConfig(m, m.vm("web")).networkdFiles();
        for (List<String> order : permutations(List.copyOf(expected().keySet()))) {
            Map<String, String> got = new TreeMap<>();
            for (int i = 0; i < order.size(); i++) got.put(order.get(i), networkd(files, "enp0s" + (2 + i), order.get(i)));
            assertEquals(expected(), got, "devices in order " + order);
        }
    }

    /** busybox nameif: each interface whose MAC is in the table takes that table's name. */
    static Map<String, String> nameif(String mactab, List<String> macsInOrder) {
        Map<String, String> byMac = new LinkedHashMap<>();
        for (String l : mactab.lines().toList()) {
            if (l.isBlank() || l.startsWith("#")) continue;
            String[] f = l.trim().split("\\s+");
            byMac.put(f[1].toLowerCase(Locale.ROOT), f[0]);
        }
        Map<String, String> nameToMac = new LinkedHashMap<>();
        for (int i = 0; i < macsInOrder.size(); i++) {
            String mac = macsInOrder.get(i);
            nameToMac.put(byMac.getOrDefault(mac, "eth" + i), mac);
        }
        return nameToMac;
    }

    /** ifupdown: {@code iface <name> inet static|dhcp} stanzas and their {@code address} lines. */
    static Map<String, String> ifaces(String interfaces) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        for (String l : interfaces.lines().toList()) {
            String t = l.trim();
            if (t.startsWith("iface ") && !t.contains(" loopback")) {
                String[] f = t.split("\\s+");
                current = f[1];
                out.put(current, f[3].equals("dhcp") ? "dhcp" : "static without address");
            } else if (t.startsWith("iface ")) {
                current = null;
            } else if (t.startsWith("address ") && current != null) {
                out.put(current, t.substring(8).trim());
            }
        }
        return out;
    }

    @Test
    void alpinePutsEachMacsAddressOnThatMacsInterfaceWhateverTheDeviceOrder() {
        Manifest m = lab("alpine");
        GuestConfig cfg = new GuestConfig(m, m.vm("web"));
        Map<String, String> stanzas = ifaces(cfg.alpineInterfaces());
        for (List<String> order : permutations(List.copyOf(expected().keySet()))) {
            Map<String, String> got = new TreeMap<>();
            for (Map.Entry<String, String> e : nameif(cfg.alpineMactab(), order).entrySet()) {
                got.put(e.getValue(), stanzas.getOrDefault(e.getKey(), "unconfigured"));
            }
            assertEquals(expected(), got, "devices in order " + order);
        }
    }

    @Test
    void alpineWritesTheMactabItsBootServiceAndTheRunlevelLinks() {
        Manifest m = lab("alpine");
        GuestConfig cfg = new GuestConfig(m, m.vm("web"));
        Map<String, GuestConfig.File> files = cfg.files();
        assertEquals(cfg.alpineMactab(), files.get("etc/mactab").content());
        assertEquals("rwxr-xr-x", files.get("etc/init.d/meros-nameif").mode());
        assertEquals("/etc/init.d/meros-nameif", cfg.alpineServiceLinks().get("etc/runlevels/boot/meros-nameif"));
        assertEquals("""
                # generated by meros: interface names by MAC address (busybox nameif)
                net0 52:54:00:aa:00:01
                net1 52:54:00:aa:00:02
                mgmt0 %s
                """.formatted(QemuArgs.managementMac("lab", "web")), cfg.alpineMactab());
    }

    @Test
    void anAlpineVmWithoutNicsOnlyNamesItsManagementNic() {
        Vm box = Fixtures.vm("box", "alpine", "latest-stable", List.of(), null, List.of());
        Manifest demo = Fixtures.manifest("demo", Path.of("/x/demo"), List.of(), List.of(box));
        GuestConfig cfg = new GuestConfig(demo, box);
        assertEquals(Map.of("mgmt0", "dhcp"), ifaces(cfg.alpineInterfaces()));
        for (List<String> order : permutations(List.of(QemuArgs.managementMac("demo", "box")))) {
            assertEquals(Map.of("mgmt0", QemuArgs.managementMac("demo", "box")), nameif(cfg.alpineMactab(), order));
        }
    }
}
