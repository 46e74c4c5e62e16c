package meros.core.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import meros.core.base.Durations;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON Schema (draft-07) of the constellation manifest, for editors (the YAML language server) and CI.
 * It is generated, never written by hand: the real {@link ManifestLoader} reads a few probe manifests with a
 * recording {@link KeyLog}, so every mapping, allowed key, type, range, choice, default, required key and pattern
 * of refused list items comes from the validator's own readers (a duration is an integer in its range or a string
 * of {@link Durations#PATTERN}'s shape); each key's text (meaning, type, default) comes from
 * the key tables of docs/manifest.md. A key the validator allows but the probes do not reach still appears (with any
 * value). The schema checks shapes and items refused on their own only: cross-references (a NIC's bridge exists,
 * addresses in the subnet, no duplicates, a {@code qemu_args} value refused for the option before it) stay with
 * {@code meros validate}.
 * <p>The build runs {@link #main} ({@code process-classes}) to rewrite docs/manifest.schema.json.
 */
public final class ManifestSchema {
    private ManifestSchema() { }

    public static final String DRAFT = "http://json-schema.org/draft-07/schema#";

    /** Reaches every reader with a value: one bridge, one VM with one interface. */
    static final String FULL_PROBE = """
            bridges:
              br:
                subnet: 10.0.0.0/24
            virtual_machines:
              vm:
                networks:
                  - {label: t0, bridge: br, ip_addr: 10.0.0.2}
            """;
    /** Leaves every section empty, so the validator names the keys it requires. */
    static final String EMPTY_PROBE = """
            bridges:
              br: {}
            virtual_machines:
              vm:
                networks:
                  - {}
            """;
    /** No VMs at all: the top level's required key. */
    static final String NO_VMS_PROBE = "bridges: {}\n";

    /** Usage: {@code ManifestSchema docs/manifest.md docs/manifest.schema.json}; writes only when the text changed. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: ManifestSchema <manifest.md> <schema.json>");
        String schema = generate(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        Path out = Path.of(args[1]);
        if (!Files.exists(out) || !Files.readString(out, StandardCharsets.UTF_8).equals(schema)) {
            Files.writeString(out, schema, StandardCharsets.UTF_8);
        }
    }

    /** The schema as JSON text (two-space indentation, trailing newline), from the docs' key tables. */
    public static String generate(String manifestDocs) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap(manifestDocs)) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema as ordered maps. */
    public static Map<String, Object> toMap(String manifestDocs) {
        Recorder r = new Recorder();
        for (String probe : List.of(FULL_PROBE, EMPTY_PROBE, NO_VMS_PROBE)) {
            try {
                ManifestLoader.parse("probe", null, null, "probe.yml", probe, r);
            } catch (ManifestException expected) {
                // the empty probes are invalid on purpose: their problems are what names the required keys
            }
        }
        if (!r.maps.containsKey("")) throw new IllegalStateException("the loader read no top-level mapping from the probes");
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("$schema", DRAFT);
        top.put("$id", "https://meros.dev/schema/manifest.schema.json");
        top.put("title", "meros constellation manifest");
        top.put("description", "A constellation: bridges and virtual machines (docs/manifest.md). Generated from meros' validator by"
                + " ManifestSchema at build time; do not edit.");
        top.putAll(new Builder(r, DocTables.parse(manifestDocs)).object(""));
        return top;
    }

    /** Every key each mapping allows, by generic path ({@code virtual_machines.*.networks[]}): for tests and tools. */
    public static Map<String, Set<String>> allowedKeys() {
        Recorder r = new Recorder();
        ManifestLoader.parse("probe", null, null, "probe.yml", FULL_PROBE, r);
        Map<String, Set<String>> out = new LinkedHashMap<>();
        r.maps.forEach((path, allowed) -> { if (allowed != null) out.put(generic(r, path), allowed); });
        return out;
    }

    /** {@code virtual_machines.vm.networks[0]} → {@code virtual_machines.*.networks[]}: names and indexes generalised. */
    static String generic(Recorder r, String path) {
        StringBuilder out = new StringBuilder();
        String sofar = "";
        for (String seg : path.isEmpty() ? new String[0] : path.split("\\.")) {
            String parent = sofar;
            sofar = sofar.isEmpty() ? seg : sofar + "." + seg;
            String g = r.maps.containsKey(parent) && r.maps.get(parent) == null ? "*" : seg.replaceAll("\\[\\d+]", "[]");
            out.append(out.length() == 0 ? "" : ".").append(g);
        }
        return out.toString();
    }

    /** What the validator read. */
    static final class Recorder implements KeyLog {
        record Read(Kind kind, Object def, Long min, Long max, List<String> choices) { }

        /** Mapping paths in reading order, with their allowed keys (null: user-given names). */
        final Map<String, Set<String>> maps = new LinkedHashMap<>();
        final Map<String, Map<String, Read>> keys = new LinkedHashMap<>();
        final Map<String, Set<String>> required = new LinkedHashMap<>();
        /** Per mapping path and list key, the pattern of items the validator refuses ({@link KeyLog#refusedItems}). */
        final Map<String, Map<String, String>> refusedItems = new LinkedHashMap<>();

        @Override
        public void mapping(String path, Set<String> allowed) {
            maps.putIfAbsent(path, allowed);
        }

        @Override
        public void key(String path, String key, Kind kind, Object def, Long min, Long max, List<String> choices) {
            Map<String, Read> m = keys.computeIfAbsent(path, p -> new LinkedHashMap<>());
            Read old = m.get(key);
            // a typed getter reads through string(): the more specific reading wins
            if (old == null || old.kind() == Kind.STRING) m.put(key, new Read(kind, def, min, max, choices));
        }

        @Override
        public void required(String path, String key) {
            required.computeIfAbsent(path, p -> new LinkedHashSet<>()).add(key);
        }

        @Override
        public void refusedItems(String path, String key, String pattern) {
            refusedItems.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(key, pattern);
        }
    }

    /** Turns the record into schema maps. */
    private static final class Builder {
        private final Recorder r;
        private final List<Map<String, DocTables.Row>> tables;

        Builder(Recorder r, List<Map<String, DocTables.Row>> tables) {
            this.r = r;
            this.tables = tables;
        }

        Map<String, Object> object(String path) {
            Set<String> allowed = r.maps.get(path);
            Map<String, Object> s = new LinkedHashMap<>();
            if (allowed == null) {
                s.put("type", "object");
                String child = r.maps.keySet().stream()
                        .filter(p -> p.startsWith(path + ".") && !p.substring(path.length() + 1).matches(".*[.\\[].*"))
                        .findFirst().orElse(null);
                s.put("additionalProperties", child == null ? Map.of() : object(child));
                return s;
            }
            Map<String, DocTables.Row> doc = table(allowed);
            Set<String> req = r.required.getOrDefault(path, Set.of());
            s.put("type", req.isEmpty() ? List.of("object", "null") : "object");
            Map<String, Object> props = new LinkedHashMap<>();
            for (String key : ordered(allowed, doc)) props.put(key, property(path, key, doc.get(key), req.contains(key)));
            s.put("properties", props);
            if (!req.isEmpty()) s.put("required", new ArrayList<>(ordered(req, doc)));
            if (path.isEmpty()) s.put("patternProperties", Map.of("^" + MapReader.EXTENSION_PREFIX, Map.of()));
            s.put("additionalProperties", false);
            return s;
        }

        private Map<String, Object> property(String path, String key, DocTables.Row doc, boolean required) {
            String child = path.isEmpty() ? key : path + "." + key;
            Recorder.Read read = r.keys.getOrDefault(path, Map.of()).get(key);
            Map<String, Object> s = new LinkedHashMap<>();
            if (doc != null) s.put("description", doc.description());
            KeyLog.Kind kind = read == null ? null : read.kind();
            if (kind == null) {
                if (r.maps.containsKey(child)) kind = KeyLog.Kind.MAPPING;
                else if (r.maps.containsKey(child + "[0]")) kind = KeyLog.Kind.LIST_OF_MAPPINGS;
            }
            if (kind != null) {
                switch (kind) {
                    case STRING -> s.put("type", new ArrayList<>(List.of("string", "number")));
                    case INTEGER -> {
                        s.put("type", new ArrayList<>(List.of("integer")));
                        s.put("minimum", read.min());
                        s.put("maximum", read.max());
                    }
                    case DURATION -> {
                        Map<String, Object> whole = new LinkedHashMap<>();
                        whole.put("type", "integer");
                        whole.put("minimum", read.min());
                        whole.put("maximum", read.max());
                        Map<String, Object> text = new LinkedHashMap<>();
                        text.put("type", "string");
                        text.put("pattern", Durations.PATTERN);
                        s.put("anyOf", new ArrayList<Object>(List.of(whole, text)));
                    }
                    case BOOLEAN -> s.put("type", new ArrayList<>(List.of("boolean")));
                    case CHOICE -> s.put("enum", new ArrayList<Object>(read.choices()));
                    case LIST -> {
                        s.put("type", new ArrayList<>(List.of("array")));
                        Map<String, Object> items = new LinkedHashMap<>();
                        items.put("type", List.of("string", "number"));
                        String refused = r.refusedItems.getOrDefault(path, Map.of()).get(key);
                        if (refused != null) items.put("not", Map.of("pattern", refused));
                        s.put("items", items);
                    }
                    case MAPPING -> s.putAll(r.maps.containsKey(child) ? object(child) : Map.of("type", "object"));
                    case LIST_OF_MAPPINGS -> {
                        s.put("type", new ArrayList<>(List.of("array")));
                        s.put("items", r.maps.containsKey(child + "[0]") ? object(child + "[0]") : Map.of("type", "object"));
                    }
                }
            }
            Object def = read == null ? null : read.def();
            if (def == null && doc != null) def = doc.literalDefault();
            if (def != null && kind != KeyLog.Kind.MAPPING && kind != KeyLog.Kind.LIST_OF_MAPPINGS) s.put("default", def);
            if (!required) allowNull(s);
            return s;
        }

        /** An explicit null ({@code key:} with no value) means "not given" to the validator. */
        @SuppressWarnings("unchecked")
        private static void allowNull(Map<String, Object> s) {
            Object t = s.get("type");
            if (t instanceof List<?> l && !l.contains("null")) ((List<Object>) l).add("null");
            else if (t instanceof String one) s.put("type", List.of(one, "null"));
            Object e = s.get("enum");
            if (e instanceof List<?> l && !l.contains(null)) ((List<Object>) l).add(null);
            if (s.get("anyOf") instanceof List<?> l) ((List<Object>) l).add(Map.of("type", "null"));
        }

        /** The docs table that describes most of these keys (empty when none does). */
        private Map<String, DocTables.Row> table(Set<String> keys) {
            Map<String, DocTables.Row> best = Map.of();
            long bestHits = 0;
            for (Map<String, DocTables.Row> t : tables) {
                long hits = keys.stream().filter(t::containsKey).count();
                if (hits > bestHits) {
                    best = t;
                    bestHits = hits;
                }
            }
            return best;
        }

        /** The docs' order first, then undocumented keys alphabetically. */
        private static List<String> ordered(Set<String> keys, Map<String, DocTables.Row> doc) {
            List<String> out = new ArrayList<>();
            for (String k : doc.keySet()) if (keys.contains(k)) out.add(k);
            keys.stream().filter(k -> !out.contains(k)).sorted().forEach(out::add);
            return out;
        }
    }

    /** The key tables of docs/manifest.md: {@code | `key` | type | default | meaning |}. */
    static final class DocTables {
        record Row(String key, String type, String def, String meaning) {
            String description() {
                String m = plain(meaning);
                String extra = "type: " + plain(type) + (def.isBlank() || def.equals("—") ? "" : "; default: " + plain(def));
                return m.isBlank() ? extra : m + " (" + extra + ")";
            }

            /** The default when the docs give exactly one literal ({@code `2G`}, {@code `[]`}), else null. */
            Object literalDefault() {
                Matcher m = Pattern.compile("`([^`]*)`").matcher(def);
                if (!m.matches()) return null;
                return new Yaml().load(m.group(1));
            }
        }

        private static final Pattern CELL_SPLIT = Pattern.compile("(?<!\\\\)\\|");

        static List<Map<String, Row>> parse(String md) {
            List<Map<String, Row>> tables = new ArrayList<>();
            Map<String, Row> current = null;
            for (String line : md.split("\n")) {
                String l = line.strip();
                if (!l.startsWith("|")) {
                    current = null;
                    continue;
                }
                List<String> cells = new ArrayList<>(Arrays.asList(CELL_SPLIT.split(l.substring(1), -1)));
                if (!cells.isEmpty() && cells.get(cells.size() - 1).isBlank()) cells.remove(cells.size() - 1);
                cells.replaceAll(c -> c.strip().replace("\\|", "|"));
                if (cells.size() >= 4 && cells.get(0).equals("key") && cells.get(1).equals("type")) {
                    current = new LinkedHashMap<>();
                    tables.add(current);
                    continue;
                }
                if (current == null || cells.size() < 4 || !cells.get(0).matches("`[a-z_]+`")) continue;
                String key = cells.get(0).substring(1, cells.get(0).length() - 1);
                current.put(key, new Row(key, cells.get(1), cells.get(2), cells.get(3)));
            }
            return tables;
        }

        /** Markdown to plain text: no backticks or emphasis. */
        static String plain(String s) {
            return s.replace("`", "").replace("**", "").strip();
        }
    }
}
