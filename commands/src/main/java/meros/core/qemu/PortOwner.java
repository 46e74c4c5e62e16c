package meros.core.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Who has a local port bound: the socket inodes of {@code /proc/net/*} matched against {@code /proc/<pid>/fd}. */
final class PortOwner {
    private PortOwner() { }

    /** {@code pid 1234 (qemu-system-x86)}, or null when no process we can see holds the port. */
    static String describe(String protocol, int port) {
        Set<String> inodes = new HashSet<>();
        for (String f : List.of(protocol, protocol + "6")) inodes.addAll(inodes(Path.of("/proc/net", f), port, protocol.equals("tcp")));
        if (inodes.isEmpty()) return null;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        String link;
                        try {
                            link = Files.readSymbolicLink(fd).toString();
                        } catch (IOException e) {
                            continue;
                        }
                        if (link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1))) {
                            String comm = Files.readString(p.resolve("comm")).strip();
                            return "pid " + p.getFileName() + " (" + comm + ")";
                        }
                    }
                } catch (IOException e) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** Inodes of sockets bound to the port (TCP: listening only). */
    static Set<String> inodes(Path table, int port, boolean tcp) {
        Set<String> out = new HashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return out;
        }
        String hexPort = String.format(":%04X", port);
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] c = l.trim().split("\\s+");
            if (c.length < 10 || !c[1].endsWith(hexPort)) continue;
            if (tcp && !c[3].equals("0A")) continue;
            out.add(c[9]);
        }
        return out;
    }
}
