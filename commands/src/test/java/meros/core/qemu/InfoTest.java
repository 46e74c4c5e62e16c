package meros.core.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InfoTest {
    @Test
    void rendersOneTableOfVmsWithReasonsAndOneOfBridges() {
        Info info = new Info("lab", List.of(
                new Info.VmRow("web", "running", null, 4242, "x86_64", "tcg", 3725, "10.0.10.21", "10.0.10.21:22", "data/disks/lab/web.qcow2", "resumed"),
                new Info.VmRow("client", "crashed", "QEMU process 4243 is gone without a shutdown", 4243, "aarch64", "tcg", -1,
                        "10.0.10.22", "10.0.10.22:22", "data/disks/lab/client.qcow2", "-")),
                List.of(new Info.BridgeRow("labnet", "10.0.10.0/24", "host-access", "22,80,8080", "-", "up 10.0.10.1, nft inet meros_lab")));
        assertEquals("""
                constellation lab
                VM      STATE    PID   ARCH     ACCEL  UPTIME  ADDRESSES   SSH            DISK                         STARTED
                web     running  4242  x86_64   tcg    1h2m    10.0.10.21  10.0.10.21:22  data/disks/lab/web.qcow2     resumed
                client  crashed  4243  aarch64  tcg    -       10.0.10.22  10.0.10.22:22  data/disks/lab/client.qcow2  -
                client: QEMU process 4243 is gone without a shutdown
                BRIDGE  SUBNET        POLICY       ALLOWED PORTS  ALLOWED IPS  HOST
                labnet  10.0.10.0/24  host-access  22,80,8080     -            up 10.0.10.1, nft inet meros_lab""", info.render());
    }

    @Test
    void jsonNamesEachVmsArchitecture() {
        Info info = new Info("cross", List.of(
                new Info.VmRow("pc", "running", null, 41, "x86_64", "tcg", 5, "10.0.30.21", "10.0.30.21:22", "d/pc.qcow2", "cold"),
                new Info.VmRow("board", "stopped", null, 0, "aarch64", "-", -1, "10.0.30.22", "10.0.30.22:22", "d/board.qcow2", "-")),
                List.of());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> vms = (List<Map<String, Object>>) info.toMap().get("vms");
        assertEquals(List.of("x86_64", "aarch64"), vms.stream().map(v -> v.get("arch")).toList());
        assertEquals(List.of("name", "state", "reason", "pid", "arch", "accel"), List.copyOf(vms.get(0).keySet()).subList(0, 6));
    }

    @Test
    void uptimeIsShort() {
        assertEquals("59s", Info.uptime(59));
        assertEquals("2m5s", Info.uptime(125));
        assertEquals("26h0m", Info.uptime(93600));
    }
}
