package meros.core.manifest;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a VM's {@code mounts:} and {@code forwards:}. Checks per VM: sources exist and are directories, targets
 * are absolute and unique; across the constellation: no host port (per protocol and address) is forwarded twice.
 */
final class SharingSection {
    static final Set<String> MOUNT_KEYS = Set.of("source", "target", "readonly");
    static final Set<String> FORWARD_KEYS = Set.of("host", "guest", "protocol", "address");
    static final List<String> PROTOCOLS = List.of("tcp", "udp");
    /** Guest paths the mount script writes into its own lines unquoted: no blanks, quotes or shell specials. */
    static final String TARGET_RE = "/[A-Za-z0-9._+@=-]+(/[A-Za-z0-9._+@=-]+)*/?";
    /** Targets that would hide the guest's own system: refused exactly (a directory below them is fine). */
    static final Set<String> RESERVED = Set.of("/", "/etc", "/home", "/root", "/tmp", "/var");
    /**
     * The guest's system directories: a target that is one of them or lies inside one hides the system's own programs,
     * libraries, modules or kernel interfaces ({@code /usr/lib}, {@code /lib/modules}); {@code /usr/local} and below
     * (the local administrator's) is the exception.
     */
    static final List<String> SYSTEM_TREES = List.of("/bin", "/boot", "/dev", "/lib", "/lib32", "/lib64", "/libx32",
            "/proc", "/run", "/sbin", "/sys", "/usr", "/var/lock", "/var/run");
    static final String USR_LOCAL = "/usr/local";

    /** A guest path meros's access needs, and what it is to meros (for the message). */
    record Needed(String path, String why) { }

    /**
     * The guest paths meros's access needs besides the VM user's {@code ~/.ssh/authorized_keys} (GuestConfig and
     * Composer write them): a mount on one of them or on a directory above them hides them from the guest.
     */
    static final List<Needed> ACCESS_PATHS = List.of(
            new Needed("/root/.ssh/authorized_keys", "where meros puts its key for root"),
            new Needed("/etc/ssh/sshd_config", "sshd's configuration"),
            new Needed("/etc/ssh/sshd_config.d/10-meros.conf", "meros's sshd settings"),
            new Needed("/etc/ssh/ssh_host_ed25519_key", "the host key meros recorded at build time"),
            new Needed("/etc/sudoers", "sudo's configuration"),
            new Needed("/etc/sudoers.d/90-meros", "the sudo rule meros's user runs commands as root by"),
            new Needed("/etc/systemd/network", "the network configuration meros writes (systemd-networkd)"));

    private record PlacedForward(String vm, Node node) { }

    private final Path dir;
    private final Problems problems;
    private final Map<String, PlacedForward> hostPorts = new HashMap<>();
    /**
     * Mount sources inside the constellation directory, as their first directory there and, for one inside a VM's
     * directory, their first two (the layout check accepts these directories).
     */
    final Set<Path> sourcesInDir = new LinkedHashSet<>();

    /** @param dir the constellation directory (relative sources resolve against it), or null: sources are not checked */
    SharingSection(Path dir, Problems problems) {
        this.dir = dir;
        this.problems = problems;
    }

    /** The home directory of the VM's login user as meros creates it: {@code /root} for root, else {@code /home/<user>}. */
    static String home(String user) { return user.equals("root") ? "/root" : "/home/" + user; }

    /** Every path meros's access needs in a guest whose login user is {@code user}, the user's key file first. */
    static List<Needed> accessPaths(String user) {
        List<Needed> out = new ArrayList<>();
        out.add(new Needed(home(user) + "/.ssh/authorized_keys", "where meros logs in with its key"));
        for (Needed n : ACCESS_PATHS) if (!n.path().equals(out.get(0).path())) out.add(n);
        return out;
    }

    /** @param user the VM's login user (the manifest's {@code user:} or its default) */
    List<Mount> mounts(MapReader m, String user) {
        List<Mount> out = new ArrayList<>();
        Map<String, Node> targets = new HashMap<>();
        List<MappingNode> items = m.mappings("mounts", "a list of shared folders (- source: DIR, target: /GUEST/PATH)", "source: ..., target: ...");
        for (int i = 0; i < items.size(); i++) {
            MappingNode item = items.get(i);
            if (item == null) continue;
            MapReader r = new MapReader(item, m.at("mounts") + "[" + i + "]", item, MOUNT_KEYS, problems);
            String source = r.requiredString("source", "the host directory to share; relative to the constellation directory");
            Path host = source == null ? null : source(r, source);
            String target = r.requiredString("target", "where the guest mounts it, an absolute path");
            if (target != null) target = target(r, target, user, targets);
            boolean ro = r.bool("readonly", false);
            if (host != null && target != null) out.add(new Mount(host, target, ro, "meros" + out.size()));
        }
        return out;
    }

    private Path source(MapReader r, String source) {
        Node at = r.node("source");
        String shell = HostPaths.shellSyntax(source, HostPaths.CONSTELLATION_DIR);
        if (shell != null) {
            r.problem(at, r.at("source") + ": " + shell);
            return null;
        }
        Path p;
        try {
            p = Path.of(source);
        } catch (InvalidPathException e) {
            r.problem(at, r.at("source") + ": " + HostPaths.notAFileName(source, e));
            return null;
        }
        if (!p.isAbsolute()) {
            if (dir == null) return p.toAbsolutePath().normalize();
            p = dir.resolve(p);
        }
        p = p.toAbsolutePath().normalize();
        if (dir == null) return p;
        if (!Files.exists(p)) {
            r.problem(at, r.at("source") + ": " + source + " does not exist" + (Path.of(source).isAbsolute() ? "" : " (looked for " + p + ")"));
            return null;
        }
        if (!Files.isDirectory(p)) {
            r.problem(at, r.at("source") + ": " + source + " is not a directory (mounts share directories)");
            return null;
        }
        Path d = dir.toAbsolutePath().normalize();
        if (p.startsWith(d) && !p.equals(d)) {
            Path rel = d.relativize(p);
            sourcesInDir.add(d.resolve(rel.getName(0)));
            if (rel.getNameCount() > 1) sourcesInDir.add(d.resolve(rel.getName(0)).resolve(rel.getName(1)));
        }
        return p;
    }

    private static String target(MapReader r, String target, String user, Map<String, Node> seen) {
        Node at = r.node("target");
        String norm = target.length() > 1 && target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
        if (!target.startsWith("/")) {
            r.problem(at, r.at("target") + ": '" + target + "' is not an absolute path (e.g. /mnt/share)");
        } else if (!target.matches(TARGET_RE) || Path.of(norm).normalize().toString().length() != norm.length()
                || norm.contains("/./") || norm.endsWith("/.")) {
            r.problem(at, r.at("target") + ": '" + target + "' must be a plain absolute path (letters, digits, '.', '_', '-', '+', '@', '='; no '..', blanks or quotes)");
        } else if (hidden(norm, user) != null && !norm.equals("/")) {
            Needed n = hidden(norm, user);
            r.problem(at, r.at("target") + ": '" + target + "' hides " + n.path() + ", " + n.why() + "; " + elsewhere(norm, user));
        } else if (RESERVED.contains(norm) || systemTree(norm) != null && systemTree(norm).equals(norm)) {
            r.problem(at, r.at("target") + ": '" + target + "' would hide the guest's own " + norm + " (use e.g. /mnt" + (norm.equals("/") ? "/share" : norm) + ")");
        } else if (systemTree(norm) != null) {
            r.problem(at, r.at("target") + ": '" + target + "' would hide the guest's own " + norm + ", part of its system directory "
                    + systemTree(norm) + " (use e.g. /mnt" + norm + ")");
        } else {
            Node other = seen.putIfAbsent(norm, at);
            if (other == null) return norm;
            r.problem(at, r.at("target") + ": duplicate target " + norm + " (also on line " + (other.getStartMark().getLine() + 1) + ")");
        }
        return null;
    }

    /** The first path meros's access needs that a mount on {@code target} hides (the target is it or a directory above it), or null. */
    static Needed hidden(String target, String user) {
        for (Needed n : accessPaths(user)) if (within(n.path(), target)) return n;
        return null;
    }

    /** The system directory {@code target} is or lies inside (see {@link #SYSTEM_TREES}), or null. */
    static String systemTree(String target) {
        if (within(target, USR_LOCAL) && !target.equals(USR_LOCAL)) return null;
        for (String t : SYSTEM_TREES) if (within(target, t)) return t;
        return null;
    }

    /** Whether {@code path} is {@code dir} or lies below it. */
    private static boolean within(String path, String dir) {
        return path.equals(dir) || dir.equals("/") || path.startsWith(dir + "/");
    }

    /** Where to mount instead of {@code target}, which hides a path meros needs: in the user's home for the home and above, else under /mnt. */
    private static String elsewhere(String target, String user) {
        String home = home(user);
        if (within(home, target)) return "mount below it, e.g. " + home + "/share";
        if (within(target, home)) return "mount beside it, e.g. " + home + "/share";
        return "mount elsewhere, e.g. /mnt" + target;
    }

    List<Forward> forwards(String vm, MapReader m) {
        List<Forward> out = new ArrayList<>();
        List<MappingNode> items = m.mappings("forwards", "a list of port forwards (- host: 8080, guest: 80)", "host: ..., guest: ...");
        for (int i = 0; i < items.size(); i++) {
            MappingNode item = items.get(i);
            if (item == null) continue;
            MapReader r = new MapReader(item, m.at("forwards") + "[" + i + "]", item, FORWARD_KEYS, problems);
            Integer host = port(r, "host", "the host port");
            Integer guest = port(r, "guest", "the guest port");
            String protocol = r.choice("protocol", "tcp", PROTOCOLS);
            String address = r.string("address", "127.0.0.1");
            try {
                address = Ipv4.format(Ipv4.parse(address));
            } catch (IllegalArgumentException e) {
                r.problem(r.node("address"), r.at("address") + ": " + e.getMessage());
                address = null;
            }
            if (host == null || guest == null || address == null) continue;
            Forward f = new Forward(host, guest, protocol, address);
            if (clash(vm, r, f)) continue;
            out.add(f);
        }
        return out;
    }

    private static Integer port(MapReader r, String key, String what) {
        if (!r.has(key)) {
            r.missing(key, what + ", 1..65535");
            return null;
        }
        int before = r.problems().size();
        int v = r.integer(key, -1, 1, 65535);
        return r.problems().size() == before ? v : null;
    }

    /** A host port forwarded twice: same protocol and port on the same address, or either on 0.0.0.0. */
    private boolean clash(String vm, MapReader r, Forward f) {
        Node at = r.node("host");
        for (String addr : f.address().equals("0.0.0.0") ? hostPorts.keySet().stream()
                .filter(k -> k.startsWith(f.protocol() + " ") && k.endsWith(":" + f.host())).toList()
                : List.of(key(f.protocol(), f.address(), f.host()), key(f.protocol(), "0.0.0.0", f.host()))) {
            PlacedForward other = hostPorts.get(addr);
            if (other != null) {
                r.problem(at, r.at("host") + ": duplicate host port " + f.protocol() + " " + f.host()
                        + " (also forwarded by VM '" + other.vm() + "', line " + (other.node().getStartMark().getLine() + 1) + ")");
                return true;
            }
        }
        hostPorts.put(key(f.protocol(), f.address(), f.host()), new PlacedForward(vm, at));
        return false;
    }

    private static String key(String protocol, String address, int port) { return protocol + " " + address + ":" + port; }
}
