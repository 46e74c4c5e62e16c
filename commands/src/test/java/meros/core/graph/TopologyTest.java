package meros.core.graph;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.Meros;
import meros.core.manifest.Manifest;
import meros.core.qemu.RunState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopologyTest {
    private static final Manifest LAB = new Meros(Home.detect()).load("lab");

    @Test
    void runningVmsShowTheirStateStoppedOnesDoNot() {
        String dot = Topology.dot(LAB, Map.of("web", RunState.RUNNING, "client", RunState.STOPPED));
        assertTrue(dot.contains("\"vm:web\" [shape=box3d, style=filled, fillcolor=\"#dcfce7\", label=\"VM web\\nx86_64, debian stable\\n512 MiB, 1 CPU\\n10.0.10.21\\nrunning\"];"), dot);
        assertTrue(dot.contains("\"vm:client\" [shape=box3d, style=filled, fillcolor=\"#ffffff\", label=\"VM client\\nx86_64, debian stable\\n512 MiB, 1 CPU\\n10.0.10.22\"];"), dot);
        assertTrue(dot.contains("\"bridge:labnet\" [shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\", label=\"bridge labnet\\n10.0.10.0/24\\npolicy host-access\\nports 22, 80, 8080\"];"), dot);
        assertTrue(dot.contains("\"host\" -- \"bridge:labnet\" [label=\"10.0.10.1\"];"), "host side of a host-access bridge: solid, its gateway");
        assertFalse(dot.contains("\"user\""), "no VM of lab is on user-mode networking");
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\nd\"", Topology.q("a\"b\\c\nd"));
    }

    @Test
    void formatComesFromTheExtension() {
        assertEquals(Topology.Format.SVG, Topology.formatOf(Path.of("x/LAB.SVG")));
        assertEquals(Topology.Format.PNG, Topology.formatOf(Path.of("lab.png")));
        assertEquals(Topology.Format.DOT, Topology.formatOf(Path.of("lab.gv")));
        MerosException e = assertThrows(MerosException.class, () -> Topology.formatOf(Path.of("lab")));
        assertEquals("cannot tell the picture format from 'lab' (use .svg, .png or .dot)", e.getMessage());
    }
}
