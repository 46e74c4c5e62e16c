package meros.cli;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.Home;
import meros.core.Meros;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --json} outputs parse and have the shape docs/json.md documents. */
class JsonOutputTest {
    @TempDir Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Path home, String... args) {
        CommandLine cl = Cli.create(new Meros(new Home(home)), new PrintWriter(out), new PrintWriter(err));
        return cl.execute(args);
    }

    private void write(String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("constellations").resolve(name));
        Files.writeString(dir.resolve(name + ".yml"), yaml);
    }

    @Test
    void list() throws IOException {
        assertEquals(0, run(JsonShape.home(), "list", "--json"), err.toString());
        JsonShape.assertMatches("meros list --json", out.toString());
        assertEquals(shipped().stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(",", "[", "]")),
                JsonShape.parse(out.toString()).get("constellations").toString());
    }

    @Test
    void show() throws IOException {
        assertEquals(0, run(JsonShape.home(), "show", "--json", "lab"), err.toString());
        JsonShape.assertMatches("meros show --json <constellation>", out.toString());
        JsonNode web = JsonShape.parse(out.toString()).get("virtual_machines").get("web");
        assertEquals("10.0.10.21", web.get("networks").get(0).get("ip_addr").asText());
        assertEquals(512, web.get("memory").asInt());
    }

    @Test
    void validateValid() throws IOException {
        assertEquals(0, run(JsonShape.home(), "validate", "--json", "lab"), err.toString());
        JsonShape.assertMatches("meros validate --json <constellation>", out.toString());
        JsonNode j = JsonShape.parse(out.toString());
        assertTrue(j.get("valid").asBoolean());
        assertEquals(2, j.get("vms").asInt());
        assertEquals(1, j.get("bridges").asInt());
        assertEquals(0, j.get("problems").size());
    }

    @Test
    void validateReportsEachProblemWithFileLineColumnAndKeyPath() throws IOException {
        write("broken", """
                bridges:
                  net:
                    subnet: 10.0.0.0/24
                virtual_machines:
                  box:
                    cpus: two
                    networks:
                      - {label: t0, bridge: nett, ip_addr: 10.0.0.5}
                  Bad Name: {}
                """);
        assertEquals(2, run(tmp, "validate", "--json", "broken"));
        assertEquals("", err.toString());
        JsonShape.assertMatches("meros validate --json <constellation>", out.toString());
        JsonNode j = JsonShape.parse(out.toString());
        assertTrue(!j.get("valid").asBoolean());
        JsonNode p = j.get("problems");
        assertEquals(3, p.size(), p.toString());
        assertEquals("constellations/broken/broken.yml", p.get(0).get("file").asText());
        assertEquals(6, p.get(0).get("line").asInt());
        assertEquals(11, p.get(0).get("column").asInt());
        assertEquals("virtual_machines.box.cpus", p.get(0).get("key_path").asText());
        assertEquals("expected an integer (1..64), got 'two'", p.get(0).get("message").asText());
        assertEquals("virtual_machines.box.networks[0].bridge", p.get(1).get("key_path").asText());
        assertEquals(8, p.get(1).get("line").asInt());
        assertTrue(p.get(2).get("key_path").isNull(), "a name problem has no key path: " + p.get(2));
        assertTrue(p.get(2).get("message").asText().contains("Bad Name"), p.get(2).toString());
    }

    @Test
    void validateSyntaxErrorHasNoKeyPath() throws IOException {
        write("seed", "virtual_machines: vm_name:\n    arch: x86_64\n");
        assertEquals(2, run(tmp, "validate", "--json", "seed"));
        JsonNode p = JsonShape.parse(out.toString()).get("problems").get(0);
        assertEquals(1, p.get("line").asInt());
        assertEquals(26, p.get("column").asInt());
        assertTrue(p.get("key_path").isNull());
        assertTrue(p.get("message").asText().startsWith("YAML syntax error"), p.toString());
    }

    @Test
    void info() throws IOException {
        write("lab", Files.readString(JsonShape.home().resolve("constellations/lab/lab.yml")));
        write("demo", Files.readString(JsonShape.home().resolve("constellations/demo/demo.yml")));
        assertEquals(0, run(tmp, "info", "--json"), err.toString());
        JsonShape.assertMatches("meros info --json [<constellation>]", out.toString());
        JsonNode c = JsonShape.parse(out.toString()).get("constellations");
        assertEquals(2, c.size());
        JsonNode lab = c.get(1);
        assertEquals("lab", lab.get("name").asText());
        JsonNode web = lab.get("vms").get(0);
        assertEquals("stopped", web.get("state").asText());
        assertTrue(web.get("pid").isNull());
        assertEquals("data/disks/lab/web.qcow2", web.get("disk").asText());
        assertTrue(!web.get("built").asBoolean());
        assertEquals("[\"10.0.10.21\"]", web.get("addresses").toString());
        assertEquals("[22,80,8080]", lab.get("bridges").get(0).get("allowed_ports").toString());
    }

    @Test
    void unknownConstellationIsAnErrorLineNotJson() {
        assertEquals(2, run(JsonShape.home(), "show", "--json", "nosuch"));
        assertEquals("", out.toString());
        assertTrue(err.toString().startsWith("error: no constellation 'nosuch'"), err.toString());
    }

    /** The shipped constellations, from the checkout's directory: each directory holding {@code <name>.yml}. */
    static List<String> shipped() throws IOException {
        try (var d = Files.list(JsonShape.home().resolve("constellations"))) {
            return d.filter(p -> Files.isRegularFile(p.resolve(p.getFileName() + ".yml"))).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
