package meros.core.manifest;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Small helpers over SnakeYAML nodes. */
final class Yamls {
    private Yamls() { }

    static boolean isNull(Node n) {
        return n == null || (n instanceof ScalarNode s && Tag.NULL.equals(s.getTag()));
    }

    static boolean isScalar(Node n, Tag tag) {
        return n instanceof ScalarNode s && tag.equals(s.getTag());
    }

    static String text(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    /** How a node reads to a user in "expected X, got Y". */
    static String describe(Node n) {
        if (isNull(n)) return "nothing";
        if (n instanceof MappingNode) return "a mapping";
        if (n instanceof SequenceNode) return "a list";
        ScalarNode s = (ScalarNode) n;
        Tag t = s.getTag();
        if (Tag.INT.equals(t)) return "the number " + s.getValue();
        if (Tag.FLOAT.equals(t)) return "the number " + s.getValue();
        if (Tag.BOOL.equals(t)) return "the boolean " + s.getValue();
        return "'" + s.getValue() + "'";
    }
}
