package meros.core.manifest;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Where aliases are used. SnakeYAML composes every alias as the anchored node itself, so a problem in aliased
 * content would point at the anchor; the loader instead puts a use of an alias as a mapping's value ({@code user: *pk},
 * {@code <<: *base}) into the tree as a shallow copy of the anchored node that carries the alias's position, and
 * {@link MapReader} does the same for the keys and values a merge key brings in. Problems at such a copy are reported
 * where the alias is used, naming the anchor's line. The copy shares the anchored node's children: a problem
 * deeper inside aliased content stays at the anchor (aliases inside lists, e.g. {@code <<: [*a, *b]}, are composed by
 * SnakeYAML without a hook, and stay so too).
 */
final class Aliases {
    /**
     * A copy's alias: its name, the node the copy stands for, and the anchored node (the same, or for merged content
     * the mapping whose entry it is).
     */
    private record Use(String anchor, Node original, Node anchored) { }

    private final Map<Node, Use> uses = new IdentityHashMap<>();

    /** A copy of {@code original} at {@code start..end}, the use of alias {@code *anchor}. */
    Node use(Node original, String anchor, Mark start, Mark end) {
        return use(original, anchor, original, start, end);
    }

    private Node use(Node original, String anchor, Node anchored, Mark start, Mark end) {
        Node copy;
        if (original instanceof ScalarNode s) {
            copy = new ScalarNode(s.getTag(), s.getValue(), start, end, s.getScalarStyle());
        } else if (original instanceof MappingNode m) {
            copy = new MappingNode(m.getTag(), true, m.getValue(), start, end, m.getFlowStyle());
        } else if (original instanceof SequenceNode q) {
            copy = new SequenceNode(q.getTag(), true, q.getValue(), start, end, q.getFlowStyle());
        } else {
            return original;
        }
        uses.put(copy, new Use(anchor, original, anchored));
        return copy;
    }

    /** {@code t} with its key and value as uses of the alias {@code via} is a use of (merged content), or {@code t} itself. */
    NodeTuple through(NodeTuple t, Node via) {
        Use u = uses.get(via);
        if (u == null) return t;
        Node anchored = original(via);
        return new NodeTuple(use(t.getKeyNode(), u.anchor(), anchored, via.getStartMark(), via.getEndMark()),
                use(t.getValueNode(), u.anchor(), anchored, via.getStartMark(), via.getEndMark()));
    }

    /** The node {@code n} is a copy of, followed through copies of copies; {@code n} when it is none. */
    Node original(Node n) {
        Node o = n;
        for (Use u = uses.get(o); u != null; u = uses.get(o)) o = u.original();
        return o;
    }

    /** {@code " (via alias *pk defined at line 4)"} for a use of an alias, else "". */
    String via(Node n) {
        Use u = n == null ? null : uses.get(n);
        if (u == null) return "";
        return " (via alias *" + u.anchor() + " defined at line " + (original(u.anchored()).getStartMark().getLine() + 1) + ")";
    }
}
