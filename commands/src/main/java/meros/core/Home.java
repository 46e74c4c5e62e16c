package meros.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where meros reads constellations from and writes everything it makes.
 * The root is the checkout: {@code -Dmeros.home}, else {@code $MEROS_HOME}, else the working directory.
 */
public record Home(Path root) {

    public static Home detect() {
        String p = System.getProperty("meros.home");
        if (p == null || p.isBlank()) p = System.getenv("MEROS_HOME");
        if (p == null || p.isBlank()) p = System.getProperty("user.dir");
        return new Home(Path.of(p).toAbsolutePath().normalize());
    }

    public Path constellations() { return root.resolve("constellations"); }
    public Path data() { return root.resolve("data"); }
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
