package meros.core.manifest;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects validation problems of one manifest file, located by YAML marks (SnakeYAML marks are 0-based). */
final class Problems {
    private final String file;
    private final List<Problem> list = new ArrayList<>();
    private final KeyLog log;
    /** The alias uses of the manifest being read: a problem at one names the anchor's line. */
    final Aliases aliases = new Aliases();

    Problems(String file) {
        this(file, KeyLog.NONE);
    }

    Problems(String file, KeyLog log) {
        this.file = file;
        this.log = log;
    }

    /** Where the readers report what they read (nothing is recorded outside {@link ManifestSchema}). */
    KeyLog log() { return log; }

    String file() { return file; }

    void at(Node node, String message) {
        at(node == null ? null : node.getStartMark(), message + aliases.via(node));
    }

    void at(Mark mark, String message) {
        int line = mark == null ? 1 : mark.getLine() + 1;
        int col = mark == null ? 1 : mark.getColumn() + 1;
        // a value quoted in a message shows a NUL, a control character or a lone surrogate escaped, never raw
        Problem p = new Problem(file, line, col, Yamls.escape(message));
        if (!list.contains(p)) list.add(p);
    }

    boolean isEmpty() { return list.isEmpty(); }

    int size() { return list.size(); }

    /** In file order, so the output reads top to bottom. */
    List<Problem> sorted() {
        List<Problem> l = new ArrayList<>(list);
        l.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return l;
    }
}
