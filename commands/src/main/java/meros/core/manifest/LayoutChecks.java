package meros.core.manifest;

import meros.core.base.IncludeTree;
import meros.core.base.Names;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The constellation directory around the manifest (read only): every sub-directory must be
 * {@code includes.chroot}, {@code hooks} or a VM's name, a VM's directory holds only those two, each of them is a
 * directory (not a file, not a symlink to nothing), and every hook is executable and not a symlink to nothing.
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

    /**
     * @param allVms       the VM names of the manifest; only those that are safe file names ({@link VmSection#NAME_RE}) are looked for
     * @param mountSources directories of the constellation directory that a VM's {@code mounts:} shares (allowed too)
     */
    static void run(Path dir, String shownDir, Set<String> allVms, Set<Path> mountSources, Node vmsKey, Problems problems) {
        // a VM name refused as unsafe ('..', 'a/b') is reported by VmSection and never made into a path
        Set<String> vms = new LinkedHashSet<>();
        for (String vm : allVms) if (vm.matches(VmSection.NAME_RE)) vms.add(vm);
        Set<String> known = new TreeSet<>(vms);
        known.addAll(SHARED);
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (!Files.isDirectory(p) || name.startsWith(".") || SHARED.contains(name)) continue;
            if (mountSources.contains(p.toAbsolutePath().normalize())) continue;
            if (!vms.contains(name)) {
                problems.at(vmsKey, "directory " + shownDir + "/" + name + "/ matches no VM" + Names.didYouMean(name, known)
                        + " (a constellation directory holds includes.chroot/, hooks/ and <vm>/ directories)");
            }
        }
        shared(dir, shownDir, dir, problems);
        for (String vm : new TreeSet<>(vms)) {
            Path vmDir = dir.resolve(vm);
            if (!Files.isDirectory(vmDir)) continue;
            shared(dir, shownDir, vmDir, problems);
            for (Path p : list(vmDir)) {
                String name = p.getFileName().toString();
                if (!Files.isDirectory(p) || name.startsWith(".") || SHARED.contains(name)) continue;
                if (mountSources.contains(p.toAbsolutePath().normalize())) continue;
                problems.at(vmsKey, "directory " + shownDir + "/" + dir.relativize(p) + "/ is neither includes.chroot/ nor hooks/"
                        + Names.didYouMean(name, SHARED) + " (a VM's directory holds those two; anything else is not used)");
            }
        }
        List<Path> hookDirs = new ArrayList<>();
        hookDirs.add(dir.resolve("hooks"));
        for (String vm : vms) hookDirs.add(dir.resolve(vm).resolve("hooks"));
        for (Path hooks : hookDirs) {
            if (!Files.isDirectory(hooks)) continue;
            for (Path h : list(hooks)) {
                String shown = shownDir + "/" + dir.relativize(h);
                if (Files.isSymbolicLink(h) && !Files.exists(h)) {
                    problems.at((Node) null, "hook " + shown + " is a symlink to " + target(h) + ", which does not exist");
                } else if (Files.isRegularFile(h) && !Files.isExecutable(h)) {
                    problems.at((Node) null, "hook " + shown + " is not executable (chmod +x " + shown + ")");
                }
            }
        }
        includes(dir, shownDir, vms, problems);
    }

    /**
     * {@code includes.chroot} and {@code hooks} in {@code where} (the constellation's directory or a VM's): each, when
     * present, must be a directory; a file of that name or a symlink to nothing would be passed over unseen.
     */
    private static void shared(Path dir, String shownDir, Path where, Problems problems) {
        for (String name : new TreeSet<>(SHARED)) {
            Path p = where.resolve(name);
            String shown = shownDir + "/" + dir.relativize(p);
            if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                problems.at((Node) null, shown + " is a symlink to " + target(p) + ", which does not exist");
            } else if (Files.exists(p) && !Files.isDirectory(p)) {
                problems.at((Node) null, shown + " is a file; " + name + "/ must be a directory"
                        + ("hooks".equals(name) ? " of executables run at build time" : " of files copied into the VM's root"));
            }
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Includes must not lock meros out of the VM's sshd ({@link SshdChecks}), and hold nothing the build refuses to copy
     * ({@link IncludeTree#problems}: a relative symlink that climbs out of the tree, a named pipe, socket or device,
     * an executable the guest's kernel could not start as a script).
     */
    static void includes(Path dir, String shownDir, Set<String> vms, Problems problems) {
        List<Path> trees = new ArrayList<>();
        trees.add(dir.resolve("includes.chroot"));
        for (String vm : vms) trees.add(dir.resolve(vm).resolve("includes.chroot"));
        for (Path tree : trees) {
            if (!Files.isDirectory(tree)) continue;
            String shown = "include " + shownDir + "/" + dir.relativize(tree);
            for (String p : SshdChecks.problems(tree)) problems.at((Node) null, shown + "/" + p);
            for (IncludeTree.Problem p : IncludeTree.problems(tree)) {
                problems.at((Node) null, shown + p.text() + " (the build refuses it" + (p.fix() == null ? ")" : ": " + p.fix() + ")"));
            }
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
