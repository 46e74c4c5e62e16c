package meros.core.net;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class NftRulesTest {
    static final Bridge LABNET = new Bridge("labnet", Cidr.parse("10.0.10.0/24"), Bridge.PolicyType.HOST_ACCESS,
            List.of(22, 80, 8080), List.of());

    @Test
    void hostAccessAllowsListedHostPortsAndNatsToTheOutside() {
        assertEquals("""
                table inet meros_lab {
                }
                delete table inet meros_lab
                table inet meros_lab {
                \tchain input {
                \t\ttype filter hook input priority filter; policy accept;
                \t\tiifname "labnet" ct state established,related accept
                \t\tiifname "labnet" ip daddr 10.0.10.1 udp dport 53 accept
                \t\tiifname "labnet" ip daddr 10.0.10.1 tcp dport 53 accept
                \t\tiifname "labnet" ip daddr 10.0.10.1 tcp dport { 22, 80, 8080 } accept
                \t\tiifname "labnet" ip daddr 10.0.10.1 udp dport { 22, 80, 8080 } accept
                \t\tiifname "labnet" drop
                \t}
                \tchain forward {
                \t\ttype filter hook forward priority filter; policy accept;
                \t\tiifname "labnet" oifname "labnet" accept
                \t\toifname "labnet" ct state established,related accept
                \t\tiifname "labnet" accept
                \t\tiifname "labnet" drop
                \t\toifname "labnet" drop
                \t}
                \tchain postrouting {
                \t\ttype nat hook postrouting priority srcnat; policy accept;
                \t\tip saddr 10.0.10.0/24 oifname != "labnet" masquerade
                \t}
                }
                """, NftRules.generate("lab", List.of(LABNET)));
        assertTrue(NftRules.needsForwarding(List.of(LABNET)));
    }

    @Test
    void isolatedForwardsOnlyToAllowedIpsAndAnIsolatedBridgeWithoutAnythingIsSealedButForItsDnsForwarder() {
        Bridge back = new Bridge("back", Cidr.parse("172.20.0.0/16"), Bridge.PolicyType.ISOLATED,
                List.of(5432), List.of(Cidr.parse("192.0.2.0/24"), Cidr.parse("198.51.100.7/32")));
        Bridge sealed = new Bridge("sealed", Cidr.parse("192.168.50.0/24"), Bridge.PolicyType.ISOLATED, List.of(), List.of());
        assertEquals("""
                table inet meros_my_hlab_d2 {
                }
                delete table inet meros_my_hlab_d2
                table inet meros_my_hlab_d2 {
                \tchain input {
                \t\ttype filter hook input priority filter; policy accept;
                \t\tiifname "back" ct state established,related accept
                \t\tiifname "back" ip daddr 172.20.0.1 udp dport 53 accept
                \t\tiifname "back" ip daddr 172.20.0.1 tcp dport 53 accept
                \t\tiifname "back" ip daddr 172.20.0.1 tcp dport { 5432 } accept
                \t\tiifname "back" ip daddr 172.20.0.1 udp dport { 5432 } accept
                \t\tiifname "back" drop
                \t\tiifname "sealed" ct state established,related accept
                \t\tiifname "sealed" ip daddr 192.168.50.1 udp dport 53 accept
                \t\tiifname "sealed" ip daddr 192.168.50.1 tcp dport 53 accept
                \t\tiifname "sealed" drop
                \t}
                \tchain forward {
                \t\ttype filter hook forward priority filter; policy accept;
                \t\tiifname "back" oifname "back" accept
                \t\toifname "back" ct state established,related accept
                \t\tiifname "back" ip daddr { 192.0.2.0/24, 198.51.100.7/32 } accept
                \t\tiifname "back" drop
                \t\toifname "back" drop
                \t\tiifname "sealed" oifname "sealed" accept
                \t\toifname "sealed" ct state established,related accept
                \t\tiifname "sealed" drop
                \t\toifname "sealed" drop
                \t}
                \tchain postrouting {
                \t\ttype nat hook postrouting priority srcnat; policy accept;
                \t\tip saddr 172.20.0.0/16 oifname != "back" ip daddr { 192.0.2.0/24, 198.51.100.7/32 } masquerade
                \t}
                }
                """, NftRules.generate("my-lab.2", List.of(back, sealed)));
        assertTrue(NftRules.needsForwarding(List.of(back)));
        assertFalse(NftRules.needsForwarding(List.of(sealed)));
    }

    @Test
    void differentConstellationNamesNeverShareATable() {
        List<String> names = List.of("team-lab", "team_lab", "team.lab", "team__lab", "team_hlab", "team_dlab", "teamlab",
                "team lab", "team+lab", "team_x20_lab", "Team-Lab", "team-lab-", "team_", "team-", "t\u00e9am", "t\uD83D\uDE00");
        Map<String, String> seen = new HashMap<>();
        for (String n : names) {
            String t = NftRules.tableName(n);
            assertTrue(t.matches("meros_[A-Za-z0-9_]+"), t + " is an nft identifier");
            String other = seen.put(t, n);
            assertNull(other, n + " and " + other + " both give " + t);
        }
        assertEquals("meros_team_hlab", NftRules.tableName("team-lab"));
        assertEquals("meros_team__lab", NftRules.tableName("team_lab"));
        assertEquals("meros_team_dlab", NftRules.tableName("team.lab"));
        assertEquals("meros_lab", NftRules.tableName("lab"), "plain names keep their table");
    }
}
