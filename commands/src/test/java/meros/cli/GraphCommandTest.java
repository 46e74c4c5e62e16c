package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meros graph} and {@code Constellation.graph} with the real Graphviz dot (tagged tools: needs graphviz). */
class GraphCommandTest {
    @TempDir Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.create(new Meros(Home.detect()), new PrintWriter(out), new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    @Tag("tools") // graphviz
    void labSvgNamesBothVmsAndTheBridge() throws IOException {
        assertTrue(Proc.onPath("dot"), "Graphviz dot is needed (sudo ./dist-conf.sh)");
        Path svg = tmp.resolve("lab.svg");
        assertEquals(0, run("graph", "lab", "-o", svg.toString()), err.toString());
        String s = Files.readString(svg);
        assertTrue(s.startsWith("<?xml") && s.contains("<svg"), "an SVG document");
        for (String text : new String[] {"VM web", "VM client", "bridge labnet", "10.0.10.0/24", "policy host&#45;access",
                "ports 22, 80, 8080", "10.0.10.21", "10.0.10.22", "tap&#45;lab&#45;web0"}) {
            assertTrue(s.contains(">" + text + "<"), "the picture shows '" + text + "'");
        }
        assertEquals("wrote " + svg + "\n", out.toString());
    }

    @Test
    @Tag("tools") // graphviz
    void pngAndDotFilesAndDotOnStandardOutput() throws IOException {
        Path png = tmp.resolve("demo.png");
        assertEquals(0, run("graph", "demo", "-o", png.toString()), err.toString());
        byte[] head = new byte[8];
        System.arraycopy(Files.readAllBytes(png), 0, head, 0, 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
        out.getBuffer().setLength(0);
        assertEquals(0, run("graph", "demo"));
        String dot = out.toString();
        assertTrue(dot.startsWith("graph \"meros demo\" {\n"), dot);
        assertTrue(dot.contains("\"vm:box\" -- \"user\""), "a user-mode VM links to the user-mode network:\n" + dot);
        Path file = tmp.resolve("demo.dot");
        assertEquals(0, run("graph", "demo", "-o", file.toString()));
        assertEquals(dot, Files.readString(file));
    }

    @Test
    void unknownExtensionIsAUsageError() {
        assertEquals(2, run("graph", "lab", "-o", tmp.resolve("lab.jpeg").toString()));
        assertEquals("error: cannot tell the picture format from 'lab.jpeg' (use .svg, .png or .dot)\n", err.toString());
        assertFalse(Files.exists(tmp.resolve("lab.jpeg")));
    }

    @Test
    @Tag("tools") // graphviz
    void theJavaApiDrawsTheSame() throws IOException {
        var c = new Meros(Home.detect()).constellation("lab");
        Path svg = c.graph(tmp.resolve("api.svg"));
        assertTrue(Files.readString(svg).contains(">VM client<"));
        assertTrue(c.graph().contains("\"vm:web\" -- \"bridge:labnet\" [label=\"tap-lab-web0\\n10.0.10.21\"];"), c.graph());
    }
    @Test
    void aFileInADirectoryThatDoesNotExistIsRefusedAndTheDirectoryIsNotMade() {
        Path missing = tmp.resolve("no/such/dir");
        for (String name : new String[] {"x.dot", "x.svg"}) {
            err.getBuffer().setLength(0);
            assertEquals(1, run("graph", "demo", "-o", missing.resolve(name).toString()));
            assertEquals("error: cannot write " + missing.resolve(name) + ": no such directory " + missing + " (graph does not create it)\n", err.toString());
        }
        assertFalse(Files.exists(tmp.resolve("no")), "nothing made");
    }
}
