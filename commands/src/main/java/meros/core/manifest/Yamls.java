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

    /**
     * {@code s} with every character a terminal would not show as written escaped: NUL as {@code \0}, a line break
     * as {@code \n}, a tab as {@code \t}, any other control character and a lone surrogate (half of a UTF-16 pair
     * without its other half) as {@code \\uXXXX} ({@code \\uDFFF}).
     */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String e = null;
            if (c == 0) e = "\\0";
            else if (c == '\n') e = "\\n";
            else if (c == '\t') e = "\\t";
            else if (Character.isISOControl(c) || loneSurrogate(s, i)) e = String.format("\\u%04X", (int) c);
            if (e != null && b == null) b = new StringBuilder(s.substring(0, i));
            if (b != null) {
                if (e != null) b.append(e);
                else b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** Whether the char at {@code i} is a surrogate without its pair's other half next to it. */
    private static boolean loneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        if (Character.isLowSurrogate(c)) return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        return false;
    }

    /**
     * Why {@code s} cannot be a program argument, a file name or UTF-8 text, or null when it can: it holds NUL
     * ({@code \0}, which ends every C string: argv, file names, environment) or a lone surrogate (no UTF-8 encoding).
     * The phrase names the first such character escaped as {@link #escape} shows it.
     */
    static String unusable(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == 0) {
                return "holds a NUL character (\\0), which no program argument or file name can hold; remove it";
            }
            if (loneSurrogate(s, i)) {
                return "holds a lone surrogate (" + String.format("\\u%04X", (int) s.charAt(i))
                        + ", half of a UTF-16 pair), which is no character and has no UTF-8 encoding; write the character itself";
            }
        }
        return null;
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
