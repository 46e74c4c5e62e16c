package meros.core.manifest;

import meros.core.base.Durations;
import meros.core.base.Names;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed, position-aware access to one YAML mapping. Construction reports duplicate and unknown keys;
 * every getter reports a wrong type and returns the default, so reading continues and all problems surface.
 * An explicit null ({@code key:} with no value) counts as "not given".
 */
final class MapReader {
    private final String path;
    private final Problems problems;
    private final Node owner;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    /** Keys read by {@link #requiredString}, with what each is (an empty one is reported as required). */
    private final Map<String, String> required = new HashMap<>();

    /**
     * @param path    dotted location for messages, e.g. {@code virtual_machines.web}
     * @param owner   where "missing key" problems point (the entry's key node, or the mapping itself)
     * @param allowed the keys this mapping may have; null allows any (the caller checks names)
     */
    MapReader(MappingNode map, String path, Node owner, Set<String> allowed, Problems problems) {
        this(map, path, owner, allowed, null, problems);
    }

    /**
     * Top-level keys starting with this are the user's own and not read (docker compose's extension fields: a place
     * for anchors, {@code x-common: &common {memory: 2G}}, that {@code <<: *common} merges into VMs).
     */
    static final String EXTENSION_PREFIX = "x-";

    /** @param misplaced for unknown keys: a hint when the key belongs elsewhere (e.g. indented one level too little), or null */
    MapReader(MappingNode map, String path, Node owner, Set<String> allowed, Function<String, String> misplaced, Problems problems) {
        this.path = path;
        this.problems = problems;
        this.owner = owner == null ? map : owner;
        problems.log().mapping(path, allowed);
        if (map == null) return;
        for (NodeTuple t : flatten(map, "")) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode) || Yamls.isNull(k)) {
                problems.at(k, prefix() + "keys must be plain names, got " + Yamls.describe(k));
                continue;
            }
            String key = Yamls.text(k);
            if (entries.containsKey(key)) {
                Node first = entries.get(key).getKeyNode();
                problems.at(k, prefix() + "duplicate key '" + key + "' (first given on line " + (first.getStartMark().getLine() + 1) + ")");
                continue;
            }
            if (allowed != null && !allowed.contains(key) && !(path.isEmpty() && key.startsWith(EXTENSION_PREFIX))) {
                String hint = Names.didYouMean(key, allowed);
                if (hint.isEmpty()) hint = Synonyms.hint(key, Synonyms.KEYS, allowed);
                if (hint.isEmpty() && misplaced != null) hint = misplaced.apply(key);
                problems.at(k, prefix() + "unknown key '" + key + "'" + hint);
            }
            entries.put(key, t);
        }
    }

    /**
     * Applies YAML merge keys ({@code <<: *defaults}): explicit keys win over merged ones. A merge key's value must be
     * a mapping or a list of mappings (yaml.org/type/merge.html); anything else is reported at the {@code <<}, and so is
     * a second {@code <<} in one mapping (a duplicate key, not merged).
     *
     * @param mergedInto "" for the reader's own mapping; for a mapping merged into it, where that happened
     *                   ({@code " (in anchor &a, merged by the '<<' at line 7)"}), ending each problem found there
     */
    private List<NodeTuple> flatten(MappingNode map, String mergedInto) {
        List<NodeTuple> own = new ArrayList<>();
        List<NodeTuple> merged = new ArrayList<>();
        Node firstMerge = null;
        for (NodeTuple t : map.getValue()) {
            Node k = t.getKeyNode();
            if (k instanceof ScalarNode s && Tag.MERGE.equals(s.getTag())) {
                if (firstMerge != null) {
                    problems.at(k, prefix() + "duplicate key '<<' (first given on line " + (firstMerge.getStartMark().getLine() + 1)
                            + "; merge several mappings with one <<: [*a, *b])" + mergedInto);
                    continue;
                }
                firstMerge = k;
                Node v = t.getValueNode();
                if (v instanceof MappingNode m) {
                    for (NodeTuple mt : flatten(m, inner(mergedInto, m, k))) merged.add(problems.aliases.through(mt, v));
                } else if (v instanceof SequenceNode seq) {
                    int i = 0;
                    for (Node item : seq.getValue()) {
                        if (item instanceof MappingNode m) merged.addAll(flatten(m, inner(mergedInto, m, k)));
                        else problems.at(k, prefix() + "'<<' (a YAML merge key) takes a mapping or a list of mappings, but item "
                                + i + " is " + Yamls.describe(item) + anchored(item, k, problems.aliases.via(v)) + mergedInto);
                        i++;
                    }
                } else {
                    problems.at(k, prefix() + "'<<' (a YAML merge key) takes a mapping or a list of mappings (e.g. <<: *base, "
                            + "with &base on a mapping), got " + Yamls.describe(v) + problems.aliases.via(v) + mergedInto);
                }
                continue;
            }
            own.add(t);
        }
        if (merged.isEmpty()) return own;
        Set<String> ownKeys = new HashSet<>();
        for (NodeTuple t : own) ownKeys.add(Yamls.text(t.getKeyNode()));
        List<NodeTuple> all = new ArrayList<>(own);
        Set<String> seen = new HashSet<>(ownKeys);
        for (NodeTuple t : merged) if (seen.add(Yamls.text(t.getKeyNode()))) all.add(t);
        return all;
    }

    /**
     * Where problems inside {@code merged}, brought in by the merge key {@code mergeKey}, say it was merged: the
     * outermost merge when merges nest ({@code outer}, when not ""), else the anchor (when it has one) and the line of
     * {@code mergeKey}. The original of an alias copy is looked at, since the copy has no anchor.
     */
    private String inner(String outer, MappingNode merged, Node mergeKey) {
        if (!outer.isEmpty()) return outer;
        String anchor = problems.aliases.original(merged).getAnchor();
        return " (" + (anchor == null ? "" : "in anchor &" + anchor + ", ") + "merged by the '<<' at line "
                + (mergeKey.getStartMark().getLine() + 1) + ")";
    }

    /**
     * For an item of a merge key's list that comes from an alias (an anchored node on another line): which anchor;
     * else {@code listVia}, the alias the list itself comes from ("" when none).
     */
    private static String anchored(Node item, Node mergeKey, String listVia) {
        if (item.getAnchor() == null || item.getStartMark().getLine() == mergeKey.getStartMark().getLine()) return listVia;
        return " (via alias *" + item.getAnchor() + " defined at line " + (item.getStartMark().getLine() + 1) + ")";
    }

    private void log(String key, KeyLog.Kind kind, Object def, Long min, Long max, List<String> choices) {
        problems.log().key(path, key, kind, def, min, max, choices);
    }

    String path() { return path; }
    Problems problems() { return problems; }

    String prefix() { return path.isEmpty() ? "" : path + ": "; }

    String at(String key) { return path.isEmpty() ? key : path + "." + key; }

    /** Keys in manifest order. */
    Set<String> keys() { return entries.keySet(); }

    Node keyNode(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getKeyNode();
    }

    /** The value node, or null when absent or explicitly null. */
    Node node(String key) {
        NodeTuple t = entries.get(key);
        return t == null || Yamls.isNull(t.getValueNode()) ? null : t.getValueNode();
    }

    boolean has(String key) { return node(key) != null; }

    void problem(Node n, String msg) { problems.at(n, msg); }

    /**
     * Reports a required key without a value: absent (at the owner), or present with YAML null ({@code key: ~},
     * {@code key:}; at the key). A key present with a value its getter refused (a wrong type, an empty string) was
     * reported by the getter and is not reported again.
     */
    void missing(String key, String what) {
        problems.log().required(path, key);
        NodeTuple t = entries.get(key);
        if (t == null) {
            problems.at(owner, prefix() + "missing required key '" + key + "' (" + what + ")");
        } else if (Yamls.isNull(t.getValueNode())) {
            problems.at(t.getKeyNode(), at(key) + ": is empty (YAML null: '~', 'null' or nothing after the colon), but required (" + what + ")");
        }
    }

    /** A scalar as text (numbers are taken as written); booleans, lists, mappings and the empty string are refused. */
    String string(String key, String def) {
        return string(key, def, false);
    }

    /**
     * As {@link #string(String, String)}; {@code emptyAllowed}: the empty string is a value ({@code kernel_args: ""}).
     * A YAML 1.1 boolean word ({@code on}, {@code no}) is refused with the quoted spelling that makes it text.
     */
    String string(String key, String def, boolean emptyAllowed) {
        log(key, KeyLog.Kind.STRING, def, null, null, null);
        Node n = node(key);
        if (n == null) return def;
        if (n instanceof ScalarNode s && !Tag.BOOL.equals(s.getTag())) {
            if (!emptyAllowed && s.getValue().isEmpty()) {
                problems.at(n, at(key) + ": is empty ('')" + (required.containsKey(key) ? ", but required (" + required.get(key) + ")"
                        : "; give a value or leave the key out"));
                return def;
            }
            String unusable = Yamls.unusable(s.getValue());
            if (unusable != null) {
                problems.at(n, at(key) + ": '" + s.getValue() + "' " + unusable);
                return def;
            }
            return s.getValue();
        }
        problems.at(n, at(key) + ": expected a string, got " + Yamls.describe(n) + boolHint(n));
        return def;
    }

    /** For a YAML 1.1 boolean word given where text is expected: the quoted spelling that makes it text; else "". */
    private static String boolHint(Node n) {
        return Yamls.isScalar(n, Tag.BOOL) ? " (YAML 1.1 reads an unquoted " + Yamls.text(n) + " as a boolean; for the word write '"
                + Yamls.text(n) + "')" : "";
    }

    /**
     * A required key's text: {@link #string(String, String)}, with an absent key, YAML null or the empty string
     * reported as required ({@code what} says what the key is); null when it has no usable value.
     */
    String requiredString(String key, String what) {
        required.put(key, what);
        String s = string(key, null);
        if (s == null) missing(key, what);
        return s;
    }

    /** A whole number in {@code min..max}, by {@link Numbers}' rule. */
    int integer(String key, int def, int min, int max) {
        log(key, KeyLog.Kind.INTEGER, def, (long) min, (long) max, null);
        Node n = node(key);
        if (n == null) return def;
        if (n instanceof ScalarNode s && Numbers.looksNumeric(s)) {
            try {
                return inRange(s, min, max, "");
            } catch (IllegalArgumentException e) {
                problems.at(n, at(key) + ": " + e.getMessage());
                return def;
            }
        }
        problems.at(n, at(key) + ": expected an integer (" + min + ".." + max + "), got " + Yamls.describe(n));
        return def;
    }

    /**
     * A duration in whole seconds in {@code min..max}: a whole number by {@link Numbers}' rule, where base 60
     * ({@code 10:00}) is minutes and seconds, or any other scalar as {@link Durations} reads it ({@code 90s},
     * {@code 5min}, {@code 1h 30min}, a quoted {@code "300"}).
     */
    int seconds(String key, int def, int min, int max) {
        log(key, KeyLog.Kind.DURATION, def, (long) min, (long) max, null);
        Node n = node(key);
        if (n == null) return def;
        if (!(n instanceof ScalarNode s) || Tag.BOOL.equals(s.getTag())) {
            problems.at(n, at(key) + ": expected seconds (" + min + ".." + max + ") or a duration (90s, 5min, 1h 30min), got "
                    + Yamls.describe(n));
            return def;
        }
        try {
            long v = Numbers.looksNumeric(s) ? Numbers.parse(s, true) : Durations.seconds(s.getValue(), min, max);
            if (v < min || v > max) {
                String written = s.getValue();
                String shown = Long.toString(v).equals(written) ? written + " s is" : written + " is " + v + " s,";
                throw new IllegalArgumentException(shown + " out of range (" + min + ".." + max + " s)");
            }
            return (int) v;
        } catch (IllegalArgumentException e) {
            problems.at(n, at(key) + ": " + e.getMessage());
            return def;
        }
    }

    /**
     * A scalar's whole-number value in {@code min..max}; IllegalArgumentException with the reason otherwise.
     * @param noun what the number is in the message ("port "), or ""
     */
    static int inRange(ScalarNode s, int min, int max, String noun) {
        long v = Numbers.parse(s, false);
        if (v < min || v > max) {
            String shown = Long.toString(v).equals(s.getValue()) ? s.getValue() : s.getValue() + " (" + v + ")";
            throw new IllegalArgumentException(noun + shown + " is out of range (" + min + ".." + max + ")");
        }
        return (int) v;
    }

    boolean bool(String key, boolean def) {
        log(key, KeyLog.Kind.BOOLEAN, def, null, null, null);
        Node n = node(key);
        if (n == null) return def;
        if (Yamls.isScalar(n, Tag.BOOL)) return Boolean.parseBoolean(Yamls.text(n).toLowerCase()) || Yamls.text(n).equalsIgnoreCase("yes") || Yamls.text(n).equalsIgnoreCase("on");
        problems.at(n, at(key) + ": expected true or false, got " + Yamls.describe(n));
        return def;
    }

    /** One of a fixed set of words, with did-you-mean. */
    String choice(String key, String def, List<String> allowed) {
        Node n = node(key);
        String s = string(key, null);
        log(key, KeyLog.Kind.CHOICE, def, null, null, allowed);
        if (s == null) return def;
        if (allowed.contains(s)) return s;
        String hint = Names.didYouMean(s, allowed);
        if (hint.isEmpty()) hint = Synonyms.hint(s, Synonyms.VALUES, allowed);
        problems.at(n, at(key) + ": unknown value '" + s + "'" + hint + " (allowed: " + String.join(", ", allowed) + ")");
        return def;
    }

    /**
     * A list of scalars, each converted by {@code item}; a conversion's IllegalArgumentException becomes a problem at that
     * item. Refused before conversion: an item that is not a single value, the empty string ({@code ''}) and an item
     * {@link Yamls#unusable} names.
     */
    <T> List<T> list(String key, Function<ScalarNode, T> item) {
        return list(key, item, false, false);
    }

    /**
     * As {@link #list(String, Function)} for a list of text ({@code qemu_args}): a YAML 1.1 boolean word ({@code on},
     * {@code no}) is refused as {@link #string(String, String)} refuses it.
     */
    List<String> strings(String key) {
        return list(key, ScalarNode::getValue, false, true);
    }

    /**
     * As {@link #list(String, Function)} for a list whose items are a set (ports, packages): an item equal to an earlier
     * one once converted ({@code 22} and {@code 0x16}; {@code 10.0.0.5} and {@code 10.0.0.5/32}) is a problem at the later one.
     */
    <T> List<T> uniqueList(String key, Function<ScalarNode, T> item) {
        return list(key, item, true, false);
    }

    /** As {@link #uniqueList} for a set of text ({@code packages}), refusing YAML 1.1 booleans as {@link #strings} does. */
    <T> List<T> uniqueStrings(String key, Function<ScalarNode, T> item) {
        return list(key, item, true, true);
    }

    private <T> List<T> list(String key, Function<ScalarNode, T> item, boolean unique, boolean text) {
        log(key, KeyLog.Kind.LIST, List.of(), null, null, null);
        Node n = node(key);
        List<T> out = new ArrayList<>();
        if (n == null) return out;
        if (!(n instanceof SequenceNode seq)) {
            problems.at(n, at(key) + ": expected a list (e.g. [a, b]), got " + Yamls.describe(n));
            return out;
        }
        Map<T, Integer> firsts = new HashMap<>();
        int i = 0;
        for (Node e : seq.getValue()) {
            String where = at(key) + "[" + i++ + "]";
            if (!(e instanceof ScalarNode s) || Yamls.isNull(e)) {
                problems.at(e, where + ": expected a single value, got " + Yamls.describe(e));
                continue;
            }
            if (text && Tag.BOOL.equals(s.getTag())) {
                problems.at(e, where + ": expected a string, got " + Yamls.describe(e) + boolHint(e));
                continue;
            }
            if (s.getValue().isEmpty()) {
                problems.at(e, where + ": is empty (''); give a value or leave the item out");
                continue;
            }
            String unusable = Yamls.unusable(s.getValue());
            if (unusable != null) {
                problems.at(e, where + ": '" + s.getValue() + "' " + unusable);
                continue;
            }
            try {
                T v = item.apply(s);
                if (v == null) continue;
                Integer first = unique ? firsts.putIfAbsent(v, i - 1) : null;
                if (first != null) {
                    String earlier = Yamls.text(seq.getValue().get(first));
                    problems.at(e, where + ": '" + s.getValue() + "' repeats item " + first
                            + (earlier.equals(s.getValue()) ? "" : " ('" + earlier + "')") + "; list each once");
                    continue;
                }
                out.add(v);
            } catch (IllegalArgumentException ex) {
                problems.at(e, where + ": " + ex.getMessage());
            }
        }
        return out;
    }

    /** A nested mapping, or null (with a problem when the value has another type). */
    MappingNode mapping(String key, String expected) {
        log(key, KeyLog.Kind.MAPPING, null, null, null, null);
        Node n = node(key);
        if (n == null) return null;
        if (n instanceof MappingNode m) return m;
        problems.at(n, at(key) + ": expected " + expected + ", got " + Yamls.describe(n));
        return null;
    }

    /** A list of mappings, or an empty list (with a problem when the value has another type). */
    List<MappingNode> mappings(String key, String expected) {
        return mappings(key, expected, "label: ..., bridge: ..., ip_addr: ...");
    }

    /** As {@link #mappings(String, String)}; {@code itemExample} shows what one item looks like in messages. */
    List<MappingNode> mappings(String key, String expected, String itemExample) {
        log(key, KeyLog.Kind.LIST_OF_MAPPINGS, List.of(), null, null, null);
        Node n = node(key);
        List<MappingNode> out = new ArrayList<>();
        if (n == null) return out;
        if (!(n instanceof SequenceNode seq)) {
            problems.at(n, at(key) + ": expected " + expected + ", got " + Yamls.describe(n));
            return out;
        }
        int i = 0;
        for (Node e : seq.getValue()) {
            if (e instanceof MappingNode m) out.add(m);
            else {
                problems.at(e, at(key) + "[" + i + "]: expected a mapping (" + itemExample + "), got " + Yamls.describe(e));
                out.add(null);
            }
            i++;
        }
        return out;
    }
}
