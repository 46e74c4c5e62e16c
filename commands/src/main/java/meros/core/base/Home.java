package meros.core.base;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where meros reads constellations from ({@code root}) and writes everything it makes ({@code data}).
 * The root is the checkout: {@code -Dmeros.home}, else {@code $MEROS_HOME}, else the working directory.
 * The data directory is {@code -Dmeros.data}, else {@code $MEROS_DATA}, else {@code <root>/data} when this user may
 * write there, else the user's own {@code $XDG_DATA_HOME/meros} (default {@code ~/.local/share/meros}, as the XDG
 * Base Directory specification says): a user without root running a root-owned checkout keeps state, keys and
 * caches in a directory of their own.
 */
public record Home(Path root, Path data) {

    /** A home whose data directory is {@code <root>/data}. */
    public Home(Path root) { this(root, root.resolve("data")); }

    public static Home detect() {
        String p = System.getProperty("meros.home");
        if (p == null || p.isBlank()) p = System.getenv("MEROS_HOME");
        if (p == null || p.isBlank()) p = System.getProperty("user.dir");
        Path root = Path.of(p).toAbsolutePath().normalize();
        String d = System.getProperty("meros.data");
        if (d == null || d.isBlank()) d = System.getenv("MEROS_DATA");
        if (d != null && !d.isBlank()) return new Home(root, Path.of(d).toAbsolutePath().normalize());
        return new Home(root, defaultData(root, System.getenv("XDG_DATA_HOME"), Path.of(System.getProperty("user.home"))));
    }

    /** {@code <root>/data} if this user may write it (or create it), else {@code $XDG_DATA_HOME/meros}. */
    static Path defaultData(Path root, String xdgDataHome, Path userHome) {
        Path inTree = root.resolve("data");
        boolean ours = Files.isDirectory(inTree) ? Files.isWritable(inTree) : Files.isWritable(root);
        if (ours) return inTree;
        Path base = xdgDataHome != null && !xdgDataHome.isBlank() && Path.of(xdgDataHome).isAbsolute()
                ? Path.of(xdgDataHome) : userHome.resolve(".local/share");
        return base.resolve("meros");
    }

    public Path constellations() { return root.resolve("constellations"); }

    /**
     * A path written in a manifest or on the command line relative to the checkout: {@code data/...} names the data
     * directory (wherever it is), anything else the checkout; absolute paths stay as they are.
     */
    public Path resolve(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) return p;
        if (p.getNameCount() > 1 && p.getName(0).toString().equals("data")) return data.resolve(p.subpath(1, p.getNameCount()));
        return root.resolve(p);
    }

    /** A path for messages: relative to the checkout when inside it, else absolute. */
    public String display(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(root) ? root.relativize(a).toString() : a.toString();
    }
    /** Built disks, kernels and initrds: {@code data/disks/<constellation>/<vm>.qcow2}. */
    public Path disks() { return data().resolve("disks"); }
    /** Cached bootstrapped base roots. */
    public Path cache() { return data().resolve("cache"); }
    /** Per-VM SSH client keys and recorded host keys: {@code data/keys/<constellation>/<vm>/}. */
    public Path keys() { return data().resolve("keys"); }
    /** Runtime state of running VMs: {@code data/state/<constellation>/<vm>/}. */
    public Path state() { return data().resolve("state"); }
    /** Out-of-tree build directories (kernel). */
    public Path build() { return data().resolve("build"); }
    /** Shell history and similar per-user files. */
    public Path history() { return data().resolve("history"); }

    public Path stateOf(String constellation) { return state().resolve(constellation); }

    public boolean exists() { return Files.isDirectory(constellations()); }
}
