package meros.core.net;

import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link HostNet#subnetClash}: a bridge's subnet against the host's routes, as {@code ip -4 -o route show} prints them. */
class SubnetClashTest {
    static Bridge bridge(String name, String subnet) {
        return new Bridge(name, Cidr.parse(subnet), Bridge.PolicyType.ISOLATED, List.of(), List.of());
    }

    static final List<String> HOST = List.of(
            "default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.10 metric 100 ",
            "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10 metric 100 ",
            "10.8.0.0/16 via 10.99.0.1 dev tun0 ",
            "10.99.0.1 dev tun0 scope link ",
            "10.0.10.0/24 dev labnet proto kernel scope link src 10.0.10.1 linkdown ",
            "blackhole 172.20.0.0/16 proto static ");

    @Test
    void aSubnetOnTheHostsLanOrAVpnRangeIsNamedWithTheRoute() {
        assertEquals("bridge 'lan' (192.0.2.0/24) overlaps the host's route 192.0.2.0/24 on eth0: the host would send those"
                        + " addresses there, not to the VMs; give the bridge another subnet (meros validate cannot see the host's routes;"
                        + " 'ip route' shows them)",
                HostNet.subnetClash(List.of(bridge("lan", "192.0.2.0/24")), HOST));
        assertEquals("bridge 'vpnish' (10.8.4.0/24) overlaps the host's route 10.8.0.0/16 on tun0: the host would send those"
                        + " addresses there, not to the VMs; give the bridge another subnet (meros validate cannot see the host's routes;"
                        + " 'ip route' shows them)",
                HostNet.subnetClash(List.of(bridge("vpnish", "10.8.4.0/24")), HOST));
        assertEquals("bridge 'big' (10.0.0.0/8) overlaps the host's route 10.8.0.0/16 on tun0: the host would send those"
                        + " addresses there, not to the VMs; give the bridge another subnet (meros validate cannot see the host's routes;"
                        + " 'ip route' shows them)",
                HostNet.subnetClash(List.of(bridge("big", "10.0.0.0/8")), HOST), "a wider subnet over a narrower route too");
        assertEquals("bridge 'bh' (172.20.1.0/24) overlaps the host's route 172.20.0.0/16: the host would send those"
                        + " addresses there, not to the VMs; give the bridge another subnet (meros validate cannot see the host's routes;"
                        + " 'ip route' shows them)",
                HostNet.subnetClash(List.of(bridge("bh", "172.20.1.0/24")), HOST));
    }

    @Test
    void theBridgesOwnRouteTheDefaultRouteAndFreeSubnetsPass() {
        assertNull(HostNet.subnetClash(List.of(bridge("labnet", "10.0.10.0/24")), HOST), "its own route, from an earlier run");
        assertNull(HostNet.subnetClash(List.of(bridge("other", "10.0.11.0/24"), bridge("x", "192.168.50.0/24")), HOST));
        assertEquals("bridge 'twin' (10.0.10.0/24) overlaps the host's route 10.0.10.0/24 on labnet: the host would send those"
                        + " addresses there, not to the VMs; give the bridge another subnet (meros validate cannot see the host's routes;"
                        + " 'ip route' shows them)",
                HostNet.subnetClash(List.of(bridge("twin", "10.0.10.0/24")), HOST), "another constellation's bridge on the same subnet");
        assertNull(HostNet.subnetClash(List.of(bridge("a", "10.0.10.0/24")), List.of("default dev eth0", "", "garbage line")));
    }
}
