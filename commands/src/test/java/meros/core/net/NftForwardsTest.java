package meros.core.net;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Forward;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Port forwards to bridged VMs: one DNAT chain per VM, jumped to from prerouting and output. */
class NftForwardsTest {
    @Test
    void forwardsGetNatChainsAndLetDnatThroughAnIsolatedBridge() {
        Bridge b = new Bridge("t14br", Cidr.parse("10.14.0.0/24"), Bridge.PolicyType.ISOLATED, List.of(22), List.of());
        assertEquals("""
                table inet meros_c {
                }
                delete table inet meros_c
                table inet meros_c {
                \tchain input {
                \t\ttype filter hook input priority filter; policy accept;
                \t\tiifname "t14br" ct state established,related accept
                \t\tiifname "t14br" ip daddr 10.14.0.1 udp dport 53 accept
                \t\tiifname "t14br" ip daddr 10.14.0.1 tcp dport 53 accept
                \t\tiifname "t14br" ip daddr 10.14.0.1 tcp dport { 22 } accept
                \t\tiifname "t14br" ip daddr 10.14.0.1 udp dport { 22 } accept
                \t\tiifname "t14br" drop
                \t}
                \tchain forward {
                \t\ttype filter hook forward priority filter; policy accept;
                \t\tiifname "t14br" oifname "t14br" accept
                \t\toifname "t14br" ct state established,related accept
                \t\toifname "t14br" ct status dnat accept
                \t\tiifname "t14br" drop
                \t\toifname "t14br" drop
                \t}
                \tchain postrouting {
                \t\ttype nat hook postrouting priority srcnat; policy accept;
                \t\tip saddr 127.0.0.0/8 oifname "t14br" masquerade
                \t}
                \tchain prerouting_fwd {
                \t\ttype nat hook prerouting priority -100; policy accept;
                \t\tjump fwd_web_1
                \t\tjump fwd_db
                \t}
                \tchain output_fwd {
                \t\ttype nat hook output priority -100; policy accept;
                \t\tjump fwd_web_1
                \t\tjump fwd_db
                \t}
                \tchain fwd_web_1 {
                \t\tip daddr 127.0.0.1 tcp dport 18080 dnat ip to 10.14.0.2:80
                \t\tmeta nfproto ipv4 fib daddr type local udp dport 5353 dnat ip to 10.14.0.2:53
                \t}
                \tchain fwd_db {
                \t}
                }
                """, NftRules.generate("c", List.of(b), List.of(
                new NftRules.VmForwards("web-1", "t14br", "10.14.0.2",
                        List.of(new Forward(18080, 80, "tcp", "127.0.0.1"), new Forward(5353, 53, "udp", "0.0.0.0"))),
                new NftRules.VmForwards("db", "t14br", "10.14.0.3", List.of()))));
    }

    @Test
    void withoutBridgedVmsTheTableIsAsBefore() {
        Bridge b = new Bridge("t14br", Cidr.parse("10.14.0.0/24"), Bridge.PolicyType.HOST_ACCESS, List.of(), List.of());
        assertEquals(NftRules.generate("c", List.of(b)), NftRules.generate("c", List.of(b), List.of()));
    }
}
