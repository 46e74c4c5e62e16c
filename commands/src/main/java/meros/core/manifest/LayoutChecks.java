package meros.core.manifest;

import meros.core.base.Names;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The constellation directory around the manifest (read only): every sub-directory must be
 * {@code includes.chroot}, {@code hooks} or a VM's name, and every hook must be executable.
 */
final class LayoutChecks {
    static final Set<String> SHARED = Set.of("includes.chroot", "hooks");

    private LayoutChecks() { }

    /**
     * @param shownDir the directory as problems name it (e.g. {@code constellations/lab})
     * @param vmsKey   where a stray directory is reported: the {@code virtual_machines} key
     */
    static void run(Path dir, String shownDir, Set<String> vms, Node vmsKey, Problems problems) {
        run(dir, shownDir, vms, Set.of(), vmsKey, problems);
    }

    /** @param mountSources directories of the constellation directory that a VM's {@code mounts:} shares (allowed too) */
    static void run(Path dir, String shownDir, Set<String> vms, Set<Path> mountSources, Node vmsKey, Problems problems) {
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (!Files.isDirectory(p) || name.startsWith(".") || SHARED.contains(name)) continue;
            if (mountSources.contains(p.toAbsolutePath().normalize())) continue;
            if (!vms.contains(name)) {
                problems.at(vmsKey, "directory " + shownDir + "/" + name + "/ matches no VM" + Names.didYouMean(name, vms)
                        + " (a constellation directory holds includes.chroot/, hooks/ and <vm>/ directories)");
            }
        }
        List<Path> hookDirs = new ArrayList<>();
        hookDirs.add(dir.resolve("hooks"));
        for (String vm : vms) hookDirs.add(dir.resolve(vm).resolve("hooks"));
        for (Path hooks : hookDirs) {
            if (!Files.isDirectory(hooks)) continue;
            for (Path h : list(hooks)) {
                if (Files.isRegularFile(h) && !Files.isExecutable(h)) {
                    String shown = shownDir + "/" + dir.relativize(h);
                    problems.at((Node) null, "hook " + shown + " is not executable (chmod +x " + shown + ")");
                }
            }
        }
        includes(dir, shownDir, vms, problems);
    }

    /** Includes must not lock meros out of the VM's sshd ({@link SshdChecks}). */
    static void includes(Path dir, String shownDir, Set<String> vms, Problems problems) {
        List<Path> trees = new ArrayList<>();
        trees.add(dir.resolve("includes.chroot"));
        for (String vm : vms) trees.add(dir.resolve(vm).resolve("includes.chroot"));
        for (Path tree : trees) {
            if (!Files.isDirectory(tree)) continue;
            for (String p : SshdChecks.problems(tree)) problems.at((Node) null, "include " + shownDir + "/" + dir.relativize(tree) + "/" + p);
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
