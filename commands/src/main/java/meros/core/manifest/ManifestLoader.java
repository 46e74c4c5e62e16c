package meros.core.manifest;

import meros.core.MerosException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Set;

/**
 * Reads a constellation directory's manifest, validates it and resolves defaults.
 * Every problem is collected with its {@code file:line:column} before anything is returned, so
 * one run shows them all; nothing is written anywhere.
 */
public final class ManifestLoader {
    static final Set<String> TOP_KEYS = Set.of("bridges", "virtual_machines");

    private ManifestLoader() { }

    /** {@code <dir>/<name>.yml}, else {@code <dir>/manifest.yml}, else null. */
    public static Path manifestFile(Path dir) {
        Path named = dir.resolve(dir.getFileName() + ".yml");
        if (Files.isRegularFile(named)) return named;
        Path generic = dir.resolve("manifest.yml");
        if (Files.isRegularFile(generic)) return generic;
        return null;
    }

    /** Loads and validates; throws {@link ManifestException} listing every problem. */
    public static Manifest load(Path dir) {
        Path file = manifestFile(dir);
        if (file == null) {
            throw MerosException.usage("no manifest in " + dir + " (expected " + dir.getFileName() + ".yml or manifest.yml)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw MerosException.usage(display(dir, file) + ": not UTF-8 text");
        } catch (IOException e) {
            throw MerosException.usage("cannot read " + file + ": " + e.getMessage());
        }
        return parse(dir.getFileName().toString(), dir, file, display(dir, file), text);
    }

    /** Validates manifest text; {@code shownAs} is the file name problems are reported under. */
    static Manifest parse(String name, Path dir, Path file, String shownAs, String text) {
        Problems problems = new Problems(shownAs);
        Node root = compose(text, problems);
        if (!problems.isEmpty()) throw new ManifestException(problems.sorted());
        if (root == null) {
            problems.at((Node) null, "the manifest is empty; it needs at least 'virtual_machines:'");
            throw new ManifestException(problems.sorted());
        }
        if (!(root instanceof MappingNode top)) {
            problems.at(root, "expected a mapping with 'bridges:' and 'virtual_machines:' at the top, got " + Yamls.describe(root));
            throw new ManifestException(problems.sorted());
        }
        MapReader topReader = new MapReader(top, "", top, TOP_KEYS, problems);
        BridgeSection bridges = new BridgeSection(problems);
        bridges.read(topReader);
        VmSection vms = new VmSection(name, bridges, problems);
        vms.read(topReader, top);
        CrossChecks.run(vms, bridges.declared, problems);
        if (!problems.isEmpty()) throw new ManifestException(problems.sorted());
        return new Manifest(name, dir, file, Collections.unmodifiableMap(new LinkedHashMap<>(bridges.bridges)),
                Collections.unmodifiableMap(new LinkedHashMap<>(vms.vms)));
    }

    private static Node compose(String text, Problems problems) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // reported by MapReader with both positions
        options.setMaxAliasesForCollections(50);
        try (Reader r = new StringReader(text)) {
            return new Yaml(options).compose(r);
        } catch (MarkedYAMLException e) {
            problems.at(e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark(), syntaxMessage(e));
        } catch (YAMLException e) {
            problems.at((org.yaml.snakeyaml.error.Mark) null, "YAML error: " + firstLine(e.getMessage()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    /** One line for a YAML syntax error, with a hint for the usual mistakes. */
    static String syntaxMessage(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? firstLine(e.getMessage()) : e.getProblem();
        String msg = "YAML syntax error: " + problem;
        if (e.getContext() != null && !problem.contains(e.getContext())) msg += " (" + e.getContext() + ")";
        if (problem.startsWith("mapping values are not allowed here")) {
            msg = "YAML syntax error: mapping values are not allowed here — did you put a key and its nested mapping on one line? "
                    + "Put the nested key on its own, indented line";
        } else if (problem.contains("found character '\\t")) {
            msg = "YAML syntax error: found a tab character — YAML indentation must use spaces, not tabs";
        }
        return msg;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * The file as users know it: relative to the checkout ({@code constellations/demo/demo.yml}) when the
     * directory sits in a {@code constellations/} folder, else as given.
     */
    static String display(Path dir, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path parent = dir.toAbsolutePath().normalize().getParent();
        if (parent != null && parent.getParent() != null && parent.getFileName() != null
                && parent.getFileName().toString().equals("constellations")) {
            return parent.getParent().relativize(abs).toString();
        }
        return file.toString();
    }
}
