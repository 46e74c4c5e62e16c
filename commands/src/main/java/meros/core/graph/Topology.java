package meros.core.graph;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.manifest.Bridge;
import meros.core.manifest.Cidr;
import meros.core.manifest.Manifest;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.proc.Proc;
import meros.core.lifecycle.Info;
import meros.core.qemu.RunState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A constellation as a picture: Graphviz DOT text (an undirected graph) with the host, each bridge (subnet,
 * policy, allowed ports and peers), each VM (addresses, arch, distribution, memory, CPUs, and its state when
 * it runs) and one edge per interface (tap label and address). VMs on user-mode networking get an edge to
 * a "user-mode network" node. Rendering to SVG or PNG runs Graphviz {@code dot} (package graphviz).
 */
public final class Topology {
    private Topology() { }

    /** Rendering a constellation's graph takes well under a second; this bounds a stuck {@code dot}. */
    public static final Duration DOT_TIMEOUT = Duration.ofSeconds(60);

    /** What {@link #write} can produce, by file extension. */
    public enum Format { SVG, PNG, DOT }

    /**
     * The DOT text.
     * @param states VM name → state as {@code info} reports it; VMs missing from the map or
     *               {@link RunState#STOPPED} show no state
     */
    public static String dot(Manifest m, Map<String, RunState> states) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph ").append(q("meros " + m.name())).append(" {\n");
        sb.append("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=")
          .append(q("constellation " + m.name())).append("];\n");
        sb.append("  node [fontname=\"Helvetica\", fontsize=10];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        if (!m.bridges().isEmpty()) {
            sb.append("  ").append(q("host")).append(" [shape=house, style=filled, fillcolor=\"#eeeeee\", label=\"host\"];\n");
        }
        for (Bridge b : m.bridges().values()) {
            StringBuilder label = new StringBuilder("bridge " + b.name() + "\n" + b.subnet() + "\npolicy " + b.policy().yaml);
            if (!b.allowedPorts().isEmpty()) {
                label.append("\nports ").append(b.allowedPorts().stream().map(String::valueOf).collect(Collectors.joining(", ")));
            }
            if (!b.allowedIps().isEmpty()) {
                label.append("\npeers ").append(b.allowedIps().stream().map(Cidr::toString).collect(Collectors.joining(", ")));
            }
            sb.append("  ").append(q(bridgeId(b.name()))).append(" [shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\", label=")
              .append(q(label.toString())).append("];\n");
            boolean isolated = b.policy() == Bridge.PolicyType.ISOLATED;
            sb.append("  ").append(q("host")).append(" -- ").append(q(bridgeId(b.name()))).append(" [label=")
              .append(q(b.gateway())).append(isolated ? ", style=dashed" : "").append("];\n");
        }
        boolean user = false;
        for (Vm v : m.vms().values()) {
            StringBuilder label = new StringBuilder("VM " + v.name() + "\n" + v.arch() + ", " + v.distribution() + " " + v.release()
                    + "\n" + v.memoryMiB() + " MiB, " + v.cpus() + (v.cpus() == 1 ? " CPU" : " CPUs"));
            String addrs = v.networks().stream().map(Nic::ip).collect(Collectors.joining(", "));
            if (!addrs.isEmpty()) label.append("\n").append(addrs);
            RunState state = states.get(v.name());
            boolean running = state != null && state != RunState.STOPPED;
            if (running) label.append("\n").append(state);
            sb.append("  ").append(q(vmId(v.name()))).append(" [shape=box3d, style=filled, fillcolor=")
              .append(running ? "\"#dcfce7\"" : "\"#ffffff\"").append(", label=").append(q(label.toString())).append("];\n");
            for (Nic n : v.networks()) {
                sb.append("  ").append(q(vmId(v.name()))).append(" -- ").append(q(bridgeId(n.bridge())))
                  .append(" [label=").append(q(n.label() + "\n" + n.ip())).append("];\n");
            }
            if (v.networks().isEmpty() || v.network() == Vm.NetworkMode.USER) {
                user = true;
                sb.append("  ").append(q(vmId(v.name()))).append(" -- ").append(q("user")).append(" [style=dotted];\n");
            }
        }
        if (user) {
            sb.append("  ").append(q("user")).append(" [shape=ellipse, style=dashed, label=\"user-mode network\\n(QEMU, NAT to the host)\"];\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    /** The format a file name asks for: {@code .svg}, {@code .png} or {@code .dot}/{@code .gv}. */
    public static Format formatOf(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".svg")) return Format.SVG;
        if (n.endsWith(".png")) return Format.PNG;
        if (n.endsWith(".dot") || n.endsWith(".gv")) return Format.DOT;
        throw MerosException.usage("cannot tell the picture format from '" + file.getFileName() + "' (use .svg, .png or .dot)");
    }

    /**
     * Writes the picture to {@code file} in the format its extension names; SVG and PNG run {@code dot}
     * (blocks up to {@link #DOT_TIMEOUT}). Errors: a missing {@code dot} (exit 3, names the package),
     * {@code dot} failing (exit 4), an unwritable file or a directory that does not exist (exit 1; it is not created).
     */
    public static void write(Manifest m, Map<String, RunState> states, Path file) {
        Format f = formatOf(file);
        String dot = dot(m, states);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new MerosException(ExitCode.FAILED, "cannot write " + file + ": no such directory " + parent + " (graph does not create it)");
        }
        if (f == Format.DOT) {
            try {
                Files.writeString(file, dot, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new MerosException(ExitCode.FAILED, "cannot write " + file + ": " + IoErrors.reason(e, file), e);
            }
            return;
        }
        if (!Proc.onPath("dot")) {
            throw new MerosException(ExitCode.MISSING_TOOL, "graph needs Graphviz 'dot' to draw " + f.name().toLowerCase(Locale.ROOT)
                    + " (sudo apt-get install graphviz, or write .dot)");
        }
        Proc.of("dot", "-T" + f.name().toLowerCase(Locale.ROOT), "-o", file.toString()).stdin(dot).timeout(DOT_TIMEOUT).run();
    }

    /** Each VM's state as {@code info} reports it. */
    public static Map<String, RunState> states(Info info) {
        return info.vms().stream().collect(Collectors.toMap(Info.VmRow::vm, Info.VmRow::state));
    }

    static String bridgeId(String name) { return "bridge:" + name; }
    static String vmId(String name) { return "vm:" + name; }

    /** A DOT quoted string: {@code "} and {@code \} escaped, newlines as centred line breaks. */
    static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
