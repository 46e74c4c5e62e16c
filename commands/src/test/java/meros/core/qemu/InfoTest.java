package meros.core.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InfoTest {
    @Test
    void rendersOneTableOfVmsWithReasonsAndOneOfBridges() {
        Info info = new Info("lab", List.of(
                new Info.VmRow("web", "running", null, 4242, "tcg", 3725, "10.0.10.21", "10.0.10.21:22", "data/disks/lab/web.qcow2", "resumed"),
                new Info.VmRow("client", "crashed", "QEMU process 4243 is gone without a shutdown", 4243, "tcg", -1,
                        "10.0.10.22", "10.0.10.22:22", "data/disks/lab/client.qcow2", "-")),
                List.of(new Info.BridgeRow("labnet", "10.0.10.0/24", "host-access", "22,80,8080", "-", "up 10.0.10.1, nft inet meros_lab")));
        assertEquals("""
                constellation lab
                VM      STATE    PID   ACCEL  UPTIME  ADDRESSES   SSH            DISK                         STARTED
                web     running  4242  tcg    1h2m    10.0.10.21  10.0.10.21:22  data/disks/lab/web.qcow2     resumed
                client  crashed  4243  tcg    -       10.0.10.22  10.0.10.22:22  data/disks/lab/client.qcow2  -
                client: QEMU process 4243 is gone without a shutdown
                BRIDGE  SUBNET        POLICY       ALLOWED PORTS  ALLOWED IPS  HOST
                labnet  10.0.10.0/24  host-access  22,80,8080     -            up 10.0.10.1, nft inet meros_lab""", info.render());
    }

    @Test
    void uptimeIsShort() {
        assertEquals("59s", Info.uptime(59));
        assertEquals("2m5s", Info.uptime(125));
        assertEquals("26h0m", Info.uptime(93600));
    }
}
