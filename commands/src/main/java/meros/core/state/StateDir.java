package meros.core.state;

import java.nio.file.StandardCopyOption;

import com.fasterxml.jackson.databind.ObjectMapper;

import meros.core.base.Home;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@code data/state/<c>/}: one directory per VM, the lock and the record of created network resources. */
public record StateDir(Path dir) {

    public static StateDir of(Home home, String constellation) {
        return new StateDir(home.stateOf(constellation));
    }

    public Path lockFile() { return dir.resolve("lock"); }
    /** What {@code init} created on the host (bridges, taps, nft table), so {@code shutdown} removes exactly that. */
    public Path netJson() { return dir.resolve("net.json"); }

    public VmPaths vm(String name) { return new VmPaths(dir.resolve(name)); }

    /** The names of the VM directories under {@code data/state/<c>/}, sorted; empty when there is none. */
    public List<String> vmDirs() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Creates {@code data/state/<c>/<vm>/} readable by the owner only. */
    public VmPaths createVm(String name) {
        ensure(dir);
        VmPaths p = vm(name);
        ensure(p.dir());
        return p;
    }

    /**
     * Writes {@code value} as JSON to {@code file} atomically (a temp file beside it, then a rename), creating the
     * owner-only directory first, so a reader never sees half a record.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void writeJson(ObjectMapper json, Path file, Object value) {
        try {
            ensure(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            json.writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void ensure(Path d) {
        try {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d, e);
        }
    }

    /** Restricts a file (socket, key) to its owner; a missing file is ignored. */
    public static void ownerOnly(Path f) {
        try {
            if (Files.exists(f)) Files.setPosixFilePermissions(f, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict " + f, e);
        }
    }
}
