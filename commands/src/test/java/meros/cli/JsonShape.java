package meros.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.Home;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Compares a command's JSON output with the example docs/json.md gives for it. */
final class JsonShape {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonShape() { }

    /** The JSON block under the heading {@code ### `<heading>`} of docs/json.md. */
    static JsonNode documented(String heading) throws IOException {
        String md = Files.readString(Home.detect().root().resolve("docs").resolve("json.md"));
        int h = md.indexOf("### `" + heading + "`");
        assertTrue(h >= 0, "docs/json.md documents " + heading);
        int start = md.indexOf("```json\n", h) + "```json\n".length();
        int end = md.indexOf("```", start);
        return MAPPER.readTree(md.substring(start, end));
    }

    static JsonNode parse(String output) throws IOException {
        return MAPPER.readTree(output);
    }

    /**
     * Same keys at every level, same JSON types where both sides have a value (null stands for "absent" on either
     * side), list items compared with the documented list's first item. Name-keyed maps (bridges, VMs in show)
     * are compared entry by entry with the documented map's first entry.
     */
    static void assertMatches(String heading, String output) throws IOException {
        List<String> problems = new ArrayList<>();
        compare("$", documented(heading), parse(output), problems, false);
        if (!problems.isEmpty()) fail(heading + " output does not match docs/json.md:\n  " + String.join("\n  ", problems) + "\n" + output);
    }

    private static void compare(String at, JsonNode doc, JsonNode real, List<String> problems, boolean nameKeyed) {
        if (doc.isNull() || real.isNull()) return;
        if (doc.getNodeType() != real.getNodeType()) {
            problems.add(at + ": documented " + doc.getNodeType() + ", got " + real.getNodeType());
            return;
        }
        if (doc.isArray()) {
            if (doc.size() > 0) for (int i = 0; i < real.size(); i++) compare(at + "[" + i + "]", doc.get(0), real.get(i), problems, false);
        } else if (doc.isObject()) {
            if (nameKeyed) {
                if (doc.size() == 0) return;
                JsonNode first = doc.elements().next();
                for (Iterator<String> it = real.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    compare(at + "." + k, first, real.get(k), problems, false);
                }
                return;
            }
            TreeSet<String> dk = new TreeSet<>();
            doc.fieldNames().forEachRemaining(dk::add);
            TreeSet<String> rk = new TreeSet<>();
            real.fieldNames().forEachRemaining(rk::add);
            if (!dk.equals(rk)) problems.add(at + ": documented keys " + dk + ", got " + rk);
            for (String k : dk) {
                if (real.has(k)) compare(at + "." + k, doc.get(k), real.get(k), problems, isNameKeyed(at, k));
            }
        }
    }

    /** Maps keyed by user-given names rather than fixed keys. */
    private static boolean isNameKeyed(String at, String key) {
        return at.equals("$") && (key.equals("bridges") || key.equals("virtual_machines"));
    }

    static Path home() { return Home.detect().root(); }
}
