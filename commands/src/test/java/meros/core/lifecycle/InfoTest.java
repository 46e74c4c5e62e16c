package meros.core.lifecycle;

import meros.core.manifest.Vm;
import meros.core.qemu.RunState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InfoTest {
    @Test
    void rendersOneTableOfVmsWithReasonsAndOneOfBridges() {
        Info info = new Info("lab", List.of(
                new Info.VmRow("web", RunState.RUNNING, null, 4242, "x86_64", Vm.Accel.TCG, Duration.ofSeconds(3725), List.of("10.0.10.21"),
                        "10.0.10.21:22", "data/disks/lab/web.qcow2", true, "resumed"),
                new Info.VmRow("client", RunState.CRASHED, "QEMU process 4243 is gone without a shutdown", 4243, "aarch64", Vm.Accel.TCG, null,
                        List.of("10.0.10.22"), "10.0.10.22:22", "data/disks/lab/client.qcow2", true, null),
                new Info.VmRow("db", RunState.STOPPED, null, 0, "x86_64", null, null, List.of(), null, "data/disks/lab/db.qcow2", false, null)),
                List.of(new Info.BridgeRow("labnet", "10.0.10.0/24", "host-access", List.of(22, 80, 8080), List.of(), "up 10.0.10.1, nft inet meros_lab"),
                        new Info.BridgeRow("backnet", "10.0.11.0/24", "isolated", List.of(), List.of("10.0.9.0/24", "10.0.8.5/32"), null)));
        assertEquals("""
                constellation lab
                VM      STATE    PID   ARCH     ACCEL  UPTIME  ADDRESSES   SSH            DISK                                 STARTED
                web     running  4242  x86_64   tcg    1h2m    10.0.10.21  10.0.10.21:22  data/disks/lab/web.qcow2             resumed
                client  crashed  4243  aarch64  tcg    -       10.0.10.22  10.0.10.22:22  data/disks/lab/client.qcow2          -
                db      stopped  -     x86_64   -      -       -           -              data/disks/lab/db.qcow2 (not built)  -
                client: QEMU process 4243 is gone without a shutdown
                BRIDGE   SUBNET        POLICY       ALLOWED PORTS  ALLOWED IPS              HOST
                labnet   10.0.10.0/24  host-access  22,80,8080     -                        up 10.0.10.1, nft inet meros_lab
                backnet  10.0.11.0/24  isolated     -              10.0.9.0/24,10.0.8.5/32  -""", info.render());
    }

    @Test
    void jsonShapeHasNullsAndListsWhereTheTableHasDashes() {
        Info info = new Info("lab", List.of(
                new Info.VmRow("db", RunState.STOPPED, null, 0, "x86_64", null, null, List.of(), null, "data/disks/lab/db.qcow2", false, null)),
                List.of(new Info.BridgeRow("labnet", "10.0.10.0/24", "host-access", List.of(22, 80), List.of(), null)));
        var vm = ((List<?>) info.toMap().get("vms")).get(0);
        assertEquals("{name=db, state=stopped, reason=null, pid=null, arch=x86_64, accel=null, uptime_seconds=null, addresses=[], ssh=null, "
                + "disk=data/disks/lab/db.qcow2, built=false}", vm.toString());
        var bridge = ((List<?>) info.toMap().get("bridges")).get(0);
        assertEquals("{name=labnet, subnet=10.0.10.0/24, policy_type=host-access, allowed_ports=[22, 80], allowed_ips=[], host=null}",
                bridge.toString());
    }

    @Test
    void jsonNamesEachVmsArchitecture() {
        Info info = new Info("cross", List.of(
                new Info.VmRow("pc", RunState.RUNNING, null, 41, "x86_64", Vm.Accel.TCG, Duration.ofSeconds(5), List.of("10.0.30.21"),
                        "10.0.30.21:22", "d/pc.qcow2", true, "cold"),
                new Info.VmRow("board", RunState.STOPPED, null, 0, "aarch64", null, null, List.of("10.0.30.22"),
                        "10.0.30.22:22", "d/board.qcow2", true, null)),
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
