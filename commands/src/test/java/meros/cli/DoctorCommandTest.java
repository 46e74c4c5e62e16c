package meros.cli;

import meros.core.base.Home;
import meros.core.Meros;
import meros.core.host.HostTools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the real doctor: real PATH lookups and the real KVM probe (QEMU). */
@Tag("e2e")
class DoctorCommandTest {
    @TempDir Path home;

    @Test
    void listsEveryToolWithItsPackageAndAKvmVerdict() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.create(new Meros(new Home(home)), new PrintWriter(out, true), new PrintWriter(err, true)).execute("doctor");
        String o = out.toString();
        for (HostTools.Tool t : HostTools.TOOLS) {
            assertTrue(o.lines().anyMatch(l -> l.startsWith(t.name() + " ") && l.contains(t.pkg())), "row for " + t.name() + ":\n" + o);
        }
        assertTrue(o.lines().anyMatch(l -> l.startsWith("KVM: ")), o);
        assertTrue(o.lines().anyMatch(l -> l.startsWith("binfmt: aarch64 ")), o);
        boolean requiredMissing = HostTools.check().stream().anyMatch(c -> !c.found() && c.tool().required());
        assertEquals(requiredMissing ? 3 : 0, code, o + err);
    }

    @Test
    void jsonHasTheDocumentedShapeAndEveryTool() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.create(new Meros(new Home(home)), new PrintWriter(out, true), new PrintWriter(err, true)).execute("doctor", "--json");
        JsonShape.assertMatches("meros doctor --json", out.toString());
        var tools = JsonShape.parse(out.toString()).get("tools");
        assertEquals(HostTools.TOOLS.size(), tools.size());
        for (int i = 0; i < tools.size(); i++) assertEquals(HostTools.TOOLS.get(i).name(), tools.get(i).get("name").asText());
        boolean requiredMissing = HostTools.check().stream().anyMatch(c -> !c.found() && c.tool().required());
        assertEquals(requiredMissing ? 3 : 0, code, out + err.toString());
    }
}
