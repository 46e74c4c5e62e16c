package meros.core.manifest;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Guards against alias bombs by the size a manifest has once every alias is expanded, not by how many aliases
 * it uses: anchors and merge keys shared by hundreds of VMs stay far below {@link #MAX_NODES}, while a few
 * nested anchors that each repeat the previous one ("billion laughs") exceed it at once. The composed node graph
 * shares aliased nodes, so the count costs one visit per distinct node whatever the expanded size.
 */
final class Expansion {
    /** Nodes in the expanded manifest: about 100 per VM, so room for thousands of VMs. */
    static final long MAX_NODES = 500_000;

    private final Map<Node, Long> sizes = new IdentityHashMap<>();
    private final Map<Node, Integer> uses = new IdentityHashMap<>();
    private final Map<Node, Boolean> open = new IdentityHashMap<>();
    private Node cycle;
    private final Aliases aliases;

    private Expansion(Aliases aliases) {
        this.aliases = aliases;
    }

    /** Reports a problem at the anchor to blame when {@code root} expands beyond the limit or an anchor contains itself. */
    static void check(Node root, Problems problems) {
        Expansion e = new Expansion(problems.aliases);
        long total = e.size(root);
        if (e.cycle != null) {
            problems.at(e.cycle, "YAML error: " + anchor(e.cycle) + " contains an alias to itself, so it never ends");
            return;
        }
        if (total <= MAX_NODES) return;
        Node worst = null;
        for (Map.Entry<Node, Integer> u : e.uses.entrySet()) {
            if (u.getValue() < 2) continue;
            if (worst == null || e.sizes.get(u.getKey()) > e.sizes.get(worst)) worst = u.getKey();
        }
        String blame = worst == null ? ""
                : ": " + anchor(worst) + " expands to " + e.sizes.get(worst) + " nodes and is repeated by " + (e.uses.get(worst) - 1) + " aliases";
        problems.at(worst == null ? root : worst, "YAML error: the aliases expand this manifest to more than " + MAX_NODES
                + " nodes (an alias bomb?)" + blame + "; a constellation even of hundreds of VMs needs far fewer");
    }

    private static String anchor(Node n) {
        return n.getAnchor() == null ? "this node" : "anchor &" + n.getAnchor();
    }

    /** Expanded size of {@code n}, saturating just above the limit; a use of an alias counts as its anchored node. */
    private long size(Node use) {
        Node n = aliases.original(use);
        uses.merge(n, 1, Integer::sum);
        Long known = sizes.get(n);
        if (known != null) return known;
        if (open.containsKey(n)) {
            if (cycle == null) cycle = n;
            return 1;
        }
        open.put(n, true);
        long s = 1;
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) s = add(s, add(size(t.getKeyNode()), size(t.getValueNode())));
        } else if (n instanceof SequenceNode q) {
            for (Node c : q.getValue()) s = add(s, size(c));
        }
        open.remove(n);
        sizes.put(n, s);
        return s;
    }

    private static long add(long a, long b) {
        return Math.min(a + b, MAX_NODES * 1000);
    }
}
