package meros.core.manifest;

import meros.core.base.IoErrors;
import meros.core.base.MerosException;
import meros.core.base.TextFiles;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads a constellation directory's manifest, validates it and resolves defaults.
 * Every problem is collected with its {@code file:line:column} before anything is returned, so
 * one run shows them all; nothing is written anywhere.
 */
public final class ManifestLoader {
    static final Set<String> TOP_KEYS = Set.of("bridges", "virtual_machines");

    private ManifestLoader() { }

    /**
     * The names a constellation's manifest may have in its directory {@code <name>/}, in the order they are looked for:
     * {@code <name>.yml}, {@code <name>.yaml}, {@code manifest.yml}, {@code manifest.yaml} (YAML's two extensions,
     * yaml.org FAQ).
     */
    static List<String> manifestNames(String name) {
        return List.of(name + ".yml", name + ".yaml", "manifest.yml", "manifest.yaml");
    }

    /** The first of {@link #manifestNames} that is a regular file in {@code dir} (through symlinks), else null. */
    public static Path manifestFile(Path dir) {
        for (String n : manifestNames(dir.getFileName().toString())) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    /**
     * Why {@code dir} has no usable manifest, or why it has too many: null when exactly one of {@link #manifestNames}
     * is a regular file there. Names a symlink among them whose target does not exist, one that is a directory or
     * other non-file, and two manifests at once
     * (which one is meant is not guessed).
     */
    static String manifestProblem(Path dir) {
        List<String> found = new ArrayList<>();
        List<String> dangling = new ArrayList<>();
        List<String> notFiles = new ArrayList<>();
        for (String n : manifestNames(dir.getFileName().toString())) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) found.add(n);
            else if (Files.isSymbolicLink(p) && !Files.exists(p)) dangling.add(n);
            else if (Files.exists(p)) notFiles.add(n);
        }
        if (found.size() > 1) return "two manifests in " + dir + ": " + String.join(" and ", found) + "; keep one";
        if (found.size() == 1) return null;
        String expected = "no manifest in " + dir + " (expected " + String.join(", ", manifestNames(dir.getFileName().toString())) + ")";
        if (!dangling.isEmpty()) {
            Path link = dir.resolve(dangling.get(0));
            String target;
            try {
                target = Files.readSymbolicLink(link).toString();
            } catch (IOException e) {
                target = "?";
            }
            return expected + ": " + dangling.get(0) + " is a symlink to " + target + ", which does not exist";
        }
        if (!notFiles.isEmpty()) {
            Path p = dir.resolve(notFiles.get(0));
            return expected + ": " + notFiles.get(0) + " is " + (Files.isDirectory(p) ? "a directory" : "not a regular file") + ", not a file";
        }
        return expected;
    }

    /** Loads and validates; throws {@link ManifestException} listing every problem. */
    public static Manifest load(Path dir) { return load(dir, null); }

    /**
     * Loads and validates like {@link #load(Path)}; with {@code files} (how a manifest path such as {@code kernel:}
     * resolves, e.g. {@code Home::resolve}) it also checks that an existing {@code kernel:} file is a kernel for the
     * VM's {@code arch}.
     */
    public static Manifest load(Path dir, Function<String, Path> files) {
        String problem = manifestProblem(dir);
        if (problem != null) throw MerosException.usage(problem);
        Path file = manifestFile(dir);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw MerosException.usage("cannot read " + file + ": " + IoErrors.reason(e, file));
        }
        // not UTF-8 is a problem of the manifest like any other: file:line:column, in validate --json too
        TextFiles.NotUtf8 not = TextFiles.notUtf8(bytes);
        if (not != null) throw new ManifestException(List.of(new Problem(display(dir, file), not.line(), not.column(), not.reason())));
        String text = TextFiles.decode(bytes, display(dir, file));
        return parse(dir.getFileName().toString(), dir, file, display(dir, file), text, files);
    }

    /** Validates manifest text; {@code shownAs} is the file name problems are reported under. */
    static Manifest parse(String name, Path dir, Path file, String shownAs, String text) {
        return parse(name, dir, file, shownAs, text, KeyLog.NONE, null);
    }

    static Manifest parse(String name, Path dir, Path file, String shownAs, String text, Function<String, Path> files) {
        return parse(name, dir, file, shownAs, text, KeyLog.NONE, files);
    }

    /** As above, reporting every mapping and key the validator reads to {@code log}. */
    static Manifest parse(String name, Path dir, Path file, String shownAs, String text, KeyLog log) {
        return parse(name, dir, file, shownAs, text, log, null);
    }

    /**
     * Validates manifest text, reporting every mapping and key read to {@code log}; with {@code files} (how a
     * manifest path such as {@code kernel:} resolves) an existing {@code kernel:} must suit the VM's {@code arch}.
     */
    static Manifest parse(String name, Path dir, Path file, String shownAs, String text, KeyLog log, Function<String, Path> files) {
        Problems problems = new Problems(shownAs, log);
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
        MapReader topReader = new MapReader(top, "", top, TOP_KEYS, ManifestLoader::misplacedAtTop, problems);
        BridgeSection bridges = new BridgeSection(problems);
        bridges.read(topReader);
        VmSection vms = new VmSection(name, dir, bridges, problems);
        vms.files = files;
        vms.read(topReader, top);
        CrossChecks.run(vms, bridges.declared, problems);
        if (dir != null && Files.isDirectory(dir)) {
            Node vmsKey = topReader.keyNode("virtual_machines");
            LayoutChecks.run(dir, shownDir(shownAs), vms.vms.keySet(), vms.sharing.sourcesInDir, vmsKey == null ? top : vmsKey, problems);
        }
        if (!problems.isEmpty()) throw new ManifestException(problems.sorted());
        return new Manifest(name, dir, file, Collections.unmodifiableMap(new LinkedHashMap<>(bridges.bridges)),
                Collections.unmodifiableMap(new LinkedHashMap<>(vms.vms)));
    }

    private static String misplacedAtTop(String key) {
        if (VmSection.KEYS.contains(key)) return " ('" + key + "' is a VM setting: indent it under a VM in virtual_machines:)";
        if (BridgeSection.KEYS.contains(key)) return " ('" + key + "' is a bridge setting: indent it under a bridge in bridges:)";
        return " (the top level has only bridges: and virtual_machines:; is this line indented too little?)";
    }

    private static Node compose(String text, Problems problems) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // reported by MapReader with both positions
        // anchors and merge keys are limited by the size they expand to (Expansion), not by their number
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        options.setAllowRecursiveKeys(false);
        try (Reader r = new StringReader(text)) {
            Node root = composer(r, options, problems.aliases).getSingleNode();
            if (root != null) Expansion.check(root, problems);
            if (root != null && problems.isEmpty()) checkTags(root, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
            return problems.isEmpty() ? root : null;
        } catch (MarkedYAMLException e) {
            problems.at(syntaxMark(e), syntaxMessage(e));
        } catch (ReaderException e) {
            problems.at(firstOccurrence(text, e.getCodePoint()), "YAML error: character " + describeCodePoint(e.getCodePoint())
                    + " is not allowed in YAML (only printable characters, tab and line breaks: YAML 1.1, 5.1); remove it");
        } catch (YAMLException e) {
            problems.at((Mark) null, "YAML error: " + firstLine(e.getMessage()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    /** Where {@code codePoint} first occurs in {@code text}, as a mark (line and column from 0); null when it does not. */
    static Mark firstOccurrence(String text, int codePoint) {
        int line = 0;
        int column = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == codePoint) return new Mark("manifest", i, line, column, new int[0], 0);
            if (cp == '\n') {
                line++;
                column = 0;
            } else {
                column++;
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    /** {@code NUL (U+0000)}, {@code U+001B}: a character the reader refused, by its Unicode name where it has a short one. */
    static String describeCodePoint(int cp) {
        String hex = String.format(Locale.ROOT, "U+%04X", cp);
        return switch (cp) {
            case 0 -> "NUL (" + hex + ")";
            case 0x1B -> "ESC (" + hex + ")";
            case 0x7F -> "DEL (" + hex + ")";
            case 0xFEFF -> "a byte order mark (" + hex + ") inside the text";
            default -> hex;
        };
    }

    /** The YAML tags a manifest's values may carry: the core schema's (YAML 1.2, 10.3), YAML 1.1's timestamp (an unquoted date resolves to it) and the merge key's. */
    static final Set<String> KNOWN_TAGS = Set.of("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge").stream()
            .map(t -> Tag.PREFIX + t).collect(Collectors.toUnmodifiableSet());

    /**
     * Every node whose tag is none of {@link #KNOWN_TAGS} ({@code !ruby/object}, {@code !!binary}, a local
     * {@code !secret}): a problem at the node, since the value would be read without it.
     */
    private static void checkTags(Node n, Problems problems, Set<Node> seen) {
        if (!seen.add(n)) return;
        String tag = n.getTag().getValue();
        if (!KNOWN_TAGS.contains(tag)) {
            String shown = tag.startsWith(Tag.PREFIX) ? "!!" + tag.substring(Tag.PREFIX.length()) : tag;
            problems.at(n, "YAML tag '" + shown + "' has no meaning in a manifest; remove it (quote a value to keep it a string)");
            return;
        }
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                checkTags(t.getKeyNode(), problems, seen);
                checkTags(t.getValueNode(), problems, seen);
            }
        } else if (n instanceof SequenceNode q) {
            for (Node item : q.getValue()) checkTags(item, problems, seen);
        }
    }

    /** SnakeYAML's composer, recording where an alias is a mapping's value in {@code aliases} (see {@link Aliases}). */
    private static Composer composer(Reader r, LoaderOptions options, Aliases aliases) {
        return new Composer(new ParserImpl(new StreamReader(r), options), new Resolver(), options) {
            @Override
            protected Node composeValueNode(MappingNode node) {
                Event next = parser.peekEvent();
                Node value = super.composeValueNode(node);
                return next instanceof AliasEvent a ? aliases.use(value, a.getAnchor(), a.getStartMark(), a.getEndMark()) : value;
            }
        };
    }

    /** Where a syntax error is shown: an unclosed quote or bracket points at where it opened, not at the end of the file. */
    static Mark syntaxMark(MarkedYAMLException e) {
        if (e.getContextMark() != null && (e.getProblemMark() == null || reachedEnd(e) || unclosedFlow(e) != null)) return e.getContextMark();
        return e.getProblemMark();
    }

    /**
     * For a flow collection that meets something other than its next item or its closing bracket (a new key on the
     * next line after {@code [curl, git}): the bracket that was opened, {@code "["} or {@code "{"}; else null.
     */
    private static String unclosedFlow(MarkedYAMLException e) {
        String problem = String.valueOf(e.getProblem());
        String context = String.valueOf(e.getContext());
        if (context.contains("flow sequence") && problem.startsWith("expected ',' or ']'")) return "[";
        if (context.contains("flow mapping") && problem.startsWith("expected ',' or '}'")) return "{";
        return null;
    }

    private static boolean reachedEnd(MarkedYAMLException e) {
        String p = String.valueOf(e.getProblem());
        return p.contains("end of stream") || p.contains("<stream end>");
    }

    /** One line for a YAML syntax error, with a hint for the usual mistakes. */
    static String syntaxMessage(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? firstLine(e.getMessage()) : e.getProblem();
        String context = e.getContext() == null ? "" : e.getContext();
        String prefix = "YAML syntax error: ";
        if (problem.startsWith("mapping values are not allowed here")) {
            return prefix + "mapping values are not allowed here — did you put a key and its nested mapping on one line? "
                    + "Put the nested key on its own, indented line";
        }
        if (problem.contains("found character '\\t")) {
            return prefix + "found a tab character — YAML indentation must use spaces, not tabs";
        }
        if (reachedEnd(e) && context.contains("quoted scalar")) {
            return prefix + "this quoted string is never closed";
        }
        if (reachedEnd(e) && context.contains("flow mapping")) {
            return prefix + "this '{' is never closed with '}'";
        }
        if (reachedEnd(e) && context.contains("flow sequence")) {
            return prefix + "this '[' is never closed with ']'";
        }
        if (unclosedFlow(e) != null) {
            String open = unclosedFlow(e);
            return prefix + "this '" + open + "' is not closed with '" + ("[".equals(open) ? "]" : "}") + "' before "
                    + (e.getProblemMark() == null ? "what follows" : "line " + (e.getProblemMark().getLine() + 1));
        }
        if (reachedEnd(e) && context.contains("flow node")) {
            return prefix + "the file ends inside a '[' or '{' that is never closed";
        }
        if (problem.contains("expected <block end>") && problem.matches("(?s).*but found '[\\]}]'.*")) {
            char c = problem.contains("found ']'") ? ']' : '}';
            return prefix + "this '" + c + "' closes no '" + (c == ']' ? '[' : '{') + "'";
        }
        if (problem.contains("expected <block end>")) {
            return prefix + "this line's indentation does not line up with the keys above it";
        }
        if (context.contains("expected a single document")) {
            return prefix + "a manifest is one YAML document, but a second one starts here ('---')";
        }
        String msg = prefix + problem;
        if (!context.isEmpty() && !problem.contains(context)) msg += " (" + context + ")";
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
    private static String shownDir(String shownFile) {
        int slash = shownFile.lastIndexOf('/');
        return slash < 0 ? "." : shownFile.substring(0, slash);
    }

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
