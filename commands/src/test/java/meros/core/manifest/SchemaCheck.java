package meros.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import meros.core.base.Home;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks manifests against the shipped docs/manifest.schema.json with the networknt validator. */
final class SchemaCheck {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static JsonSchema schema;

    private SchemaCheck() { }

    static Path schemaFile() { return Home.detect().root().resolve("docs").resolve("manifest.schema.json"); }

    static synchronized JsonSchema schema() {
        if (schema == null) {
            try {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(MAPPER.readTree(schemaFile().toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return schema;
    }

    /** YAML as editors see it (SnakeYAML resolves anchors and merge keys, as many aliases as the loader allows), as JSON. */
    static JsonNode json(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        Object doc = new Yaml(options).load(yaml);
        return MAPPER.valueToTree(doc);
    }

    static List<String> errors(String yaml) {
        Set<ValidationMessage> m = schema().validate(json(yaml));
        return m.stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    static void assertPasses(String what, String yaml) {
        List<String> e = errors(yaml);
        assertTrue(e.isEmpty(), what + " passes the validator but not docs/manifest.schema.json: " + e + "\n" + yaml);
    }
}
