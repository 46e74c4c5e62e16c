package meros.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.Durations;
import meros.core.base.Home;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/manifest.schema.json: generated from the validator, knows every key it knows, accepts what it accepts. */
class ManifestSchemaTest {
    private static final Path ROOT = Home.detect().root();

    private static JsonNode shipped() throws IOException {
        return new ObjectMapper().readTree(SchemaCheck.schemaFile().toFile());
    }

    @Test
    void shippedSchemaIsWhatTheGeneratorMakesNow() throws IOException {
        String generated = ManifestSchema.generate(Files.readString(ROOT.resolve("docs/manifest.md")));
        assertEquals(generated, Files.readString(SchemaCheck.schemaFile()),
                "docs/manifest.schema.json is stale: the build (mvn process-classes) rewrites it; commit the result");
    }

    /** The validator's own key tables, read directly (not through the recorder the generator uses). */
    @Test
    void schemaKnowsEveryKeyTheValidatorKnowsAndDocumentsEach() throws IOException {
        JsonNode s = shipped();
        JsonNode vm = s.at("/properties/virtual_machines/additionalProperties");
        Map<String, JsonNode> objects = new LinkedHashMap<>();
        objects.put("top", s);
        objects.put("bridge", s.at("/properties/bridges/additionalProperties"));
        objects.put("vm", vm);
        objects.put("nic", vm.at("/properties/networks/items"));
        Map<String, Set<String>> validator = Map.of("top", ManifestLoader.TOP_KEYS, "bridge", BridgeSection.KEYS,
                "vm", VmSection.KEYS, "nic", VmSection.NIC_KEYS);
        for (var e : objects.entrySet()) {
            JsonNode props = e.getValue().get("properties");
            assertTrue(props != null && props.isObject(), e.getKey() + " has properties");
            Set<String> keys = new TreeSet<>();
            props.fieldNames().forEachRemaining(keys::add);
            assertEquals(new TreeSet<>(validator.get(e.getKey())), keys, e.getKey() + " keys");
            assertFalse(e.getValue().get("additionalProperties").asBoolean(true), e.getKey() + " rejects unknown keys");
            for (String k : keys) {
                String d = props.get(k).path("description").asText("");
                assertFalse(d.isBlank(), e.getKey() + "." + k + " is documented in docs/manifest.md's key table");
            }
        }
        Map<String, Set<String>> recorded = ManifestSchema.allowedKeys();
        assertEquals(Map.of("", ManifestLoader.TOP_KEYS, "bridges.*", BridgeSection.KEYS, "virtual_machines.*", VmSection.KEYS,
                "virtual_machines.*.networks[]", VmSection.NIC_KEYS), recorded);
    }

    @Test
    void typesRangesChoicesDefaultsAndRequiredComeFromTheValidator() throws IOException {
        JsonNode vm = shipped().at("/properties/virtual_machines/additionalProperties/properties");
        assertEquals(1, vm.at("/cpus/minimum").asInt());
        assertEquals(64, vm.at("/cpus/maximum").asInt());
        assertEquals(1, vm.at("/cpus/default").asInt());
        assertEquals("[\"x86_64\",\"aarch64\",null]", vm.get("arch").get("enum").toString());
        assertEquals("x86_64", vm.at("/arch/default").asText());
        assertEquals(180, vm.at("/boot_timeout/default").asInt());
        assertEquals("{\"type\":\"integer\",\"minimum\":1,\"maximum\":86400}", vm.at("/boot_timeout/anyOf/0").toString());
        assertEquals(Durations.PATTERN, vm.at("/boot_timeout/anyOf/1/pattern").asText());
        assertEquals("string", vm.at("/boot_timeout/anyOf/1/type").asText());
        assertEquals("null", vm.at("/boot_timeout/anyOf/2/type").asText());
        assertEquals("[\"label\",\"bridge\",\"ip_addr\"]", vm.at("/networks/items/required").toString());
        assertEquals("[\"subnet\"]", shipped().at("/properties/bridges/additionalProperties/required").toString());
        assertEquals("[\"virtual_machines\"]", shipped().get("required").toString());
    }

    @Test
    void shippedConstellationsReferenceAndPassTheSchema() throws IOException {
        List<Path> manifests;
        try (Stream<Path> s = Files.list(ROOT.resolve("constellations"))) {
            manifests = s.map(ManifestLoader::manifestFile).filter(p -> p != null).toList();
        }
        assertTrue(manifests.size() >= 2, manifests.toString());
        for (Path m : manifests) {
            String yaml = Files.readString(m);
            assertTrue(yaml.lines().limit(5).anyMatch(l -> l.equals("# yaml-language-server: $schema=../../docs/manifest.schema.json")),
                    m + " names the schema for editors");
            ManifestLoader.load(m.getParent());
            SchemaCheck.assertPasses(m.toString(), yaml);
        }
    }

    @Test
    void schemaRejectsWhatTheValidatorRejectsForShape() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("unknown VM key", "virtual_machines:\n  a:\n    memroy: 1G\n");
        bad.put("unknown top key", "virtual_machines:\n  a: {}\nnetworks: {}\n");
        bad.put("cpus not an integer", "virtual_machines:\n  a:\n    cpus: two\n");
        bad.put("cpus out of range", "virtual_machines:\n  a:\n    cpus: 65\n");
        bad.put("unknown arch", "virtual_machines:\n  a:\n    arch: arm\n");
        bad.put("gui not a boolean", "virtual_machines:\n  a:\n    gui: maybe\n");
        bad.put("packages not a list", "virtual_machines:\n  a:\n    packages: {x: 1}\n");
        bad.put("NIC without label", "bridges:\n  b: {subnet: 10.0.0.0/24}\nvirtual_machines:\n  a:\n    networks:\n      - {bridge: b, ip_addr: 10.0.0.2}\n");
        bad.put("bridge without subnet", "bridges:\n  b: {policy_type: isolated}\nvirtual_machines:\n  a: {}\n");
        bad.put("no virtual_machines", "bridges: {}\n");
        bad.put("qemu_args option meros sets", "virtual_machines:\n  a:\n    qemu_args: [-cpu, host, --m, '2048']\n");
        bad.put("qemu_args on stdio", "virtual_machines:\n  a:\n    qemu_args: [-chardev, 'stdio,id=c0']\n");
        bad.put("qemu_args option and value in one item", "virtual_machines:\n  a:\n    qemu_args: ['-cpu Haswell']\n");
        bad.put("boot_timeout not a duration", "virtual_machines:\n  a:\n    boot_timeout: 5 minutes!\n");
        bad.put("boot_timeout with an unknown unit", "virtual_machines:\n  a:\n    boot_timeout: 5x\n");
        bad.put("boot_timeout out of range", "virtual_machines:\n  a:\n    boot_timeout: 0\n");
        bad.put("boot_timeout a boolean", "virtual_machines:\n  a:\n    boot_timeout: yes\n");
        bad.put("unknown policy", "bridges:\n  b: {subnet: 10.0.0.0/24, policy_type: open}\nvirtual_machines:\n  a: {}\n");
        for (var e : bad.entrySet()) {
            assertFalse(SchemaCheck.errors(e.getValue()).isEmpty(), e.getKey() + ": the schema must reject it");
            assertTrue(fails(e.getValue()), e.getKey() + ": the validator rejects it too");
        }
    }

    /** A duration the validator reads (an integer, or text in Durations' spellings) passes the schema too. */
    @Test
    void schemaAcceptsDurationsTheValidatorAccepts() {
        for (String t : List.of("300", "\"300\"", "5m", "300s", "1h30m", "1h 30min", "10m0s", "1.5h", "2 min", "10:00", "1_200", "")) {
            String yaml = "virtual_machines:\n  a:\n    boot_timeout: " + t + "\n";
            assertFalse(fails(yaml), t + ": the validator accepts it");
            SchemaCheck.assertPasses("boot_timeout: " + t, yaml);
        }
    }

    private static boolean fails(String yaml) {
        try {
            ManifestLoader.parse("x", null, null, "x.yml", yaml);
            return false;
        } catch (ManifestException e) {
            return true;
        }
    }

    @Test
    void docTablesAreParsedWithEscapedPipes() {
        var t = ManifestSchema.DocTables.parse("""
                | key | type | default | meaning |
                | --- | --- | --- | --- |
                | `a` | `x` \\| `y` | `x` | pick one |
                """);
        assertEquals(1, t.size());
        assertEquals("`x` | `y`", t.get(0).get("a").type());
        assertEquals("x", t.get(0).get("a").literalDefault());
        assertEquals("pick one (type: x | y; default: x)", t.get(0).get("a").description());
    }
}
