package meros.core.kernel;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the kernel sources come from: a source tree, a tarball (unpacked once into
 * {@code data/build/kernel-src/<name>/}, cached by the tarball's path, size and mtime) or a git URL
 * (shallow clone into the same place, reused while the URL is the same).
 *
 * @param kind what {@code spec} is
 * @param spec the user's text (a path or URL)
 */
public record KernelSource(Kind kind, String spec) {

    public enum Kind { TREE, TARBALL, GIT }

    private static final List<String> TARBALL_SUFFIXES = List.of(".tar.xz", ".tar.gz", ".tgz", ".tar.bz2", ".tar.zst", ".tar");

    /** Classifies a {@code --source} argument by its form (no file system access). */
    public static KernelSource classify(String spec) {
        if (spec == null || spec.isBlank()) throw MerosException.usage("empty --source");
        String s = spec.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://") || lower.startsWith("http://") || lower.startsWith("git://")
                || lower.startsWith("file://") || lower.startsWith("ssh://") || lower.matches("^[a-z0-9._-]+@[^:/]+:.*")
                || lower.endsWith(".git") || lower.endsWith(".git/")) {
            return new KernelSource(Kind.GIT, s);
        }
        if (tarballSuffix(lower) != null) return new KernelSource(Kind.TARBALL, s);
        return new KernelSource(Kind.TREE, s);
    }

    static String tarballSuffix(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String suf : TARBALL_SUFFIXES) if (lower.endsWith(suf)) return suf;
        return null;
    }

    /** A directory with a top-level {@code Makefile}, {@code Kconfig} and {@code arch/}. */
    public static boolean isKernelTree(Path dir) {
        return Files.isRegularFile(dir.resolve("Makefile")) && Files.isRegularFile(dir.resolve("Kconfig"))
                && Files.isDirectory(dir.resolve("arch"));
    }

    /** The newest {@code linux-source-*.tar.xz} in {@code dir} (Debian's linux-source package), or null. */
    public static Path newestDebianTarball(Path dir) {
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("linux-source-[0-9][0-9.]*\\.tar\\.(xz|gz|bz2)"))
                    .filter(Files::isRegularFile)
                    .max(Comparator.comparing(p -> p.getFileName().toString(), KernelSource::compareVersions))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The default source: Debian's kernel source tarball, or a one-line error saying how to get it. */
    public static KernelSource debianDefault(Path usrSrc) {
        Path t = newestDebianTarball(usrSrc);
        if (t == null) {
            throw new MerosException(ExitCode.MISSING_TOOL, "no kernel source given and none in " + usrSrc
                    + ": apt-get install linux-source (or pass --source DIR|TARBALL|GIT-URL)");
        }
        return new KernelSource(Kind.TARBALL, t.toString());
    }

    /** Compares strings by their embedded numbers ("6.10" after "6.9"). */
    static int compareVersions(String a, String b) {
        Matcher ma = Pattern.compile("\\d+|\\D+").matcher(a);
        Matcher mb = Pattern.compile("\\d+|\\D+").matcher(b);
        while (ma.find() && mb.find()) {
            String x = ma.group();
            String y = mb.group();
            int c = Character.isDigit(x.charAt(0)) && Character.isDigit(y.charAt(0))
                    ? Long.compare(Long.parseLong(x), Long.parseLong(y)) : x.compareTo(y);
            if (c != 0) return c;
        }
        return Integer.compare(a.length(), b.length());
    }

    /** The directory name under {@code kernel-src/} for a tarball or URL. */
    String cacheName() {
        String s = spec.replaceAll("/+$", "");
        String last = s.substring(s.lastIndexOf('/') + 1);
        if (kind == Kind.GIT) {
            last = last.substring(last.lastIndexOf(':') + 1);
            if (last.toLowerCase(Locale.ROOT).endsWith(".git")) last = last.substring(0, last.length() - 4);
            return "git-" + (last.isBlank() ? "linux" : last.replaceAll("[^A-Za-z0-9._-]", "_"));
        }
        String suf = tarballSuffix(last);
        return suf == null ? last : last.substring(0, last.length() - suf.length());
    }

    /**
     * Makes the sources available as a kernel tree and returns it. Tarballs and clones go under {@code cacheDir}
     * and are reused while unchanged. {@code phase} hears "unpacking ..." / "cloning ...".
     */
    public Path prepare(Path cwd, Path cacheDir, Consumer<String> phase) {
        return switch (kind) {
            case TREE -> {
                Path dir = cwd.resolve(spec).toAbsolutePath().normalize();
                if (!Files.isDirectory(dir)) throw MerosException.usage("kernel source " + spec + ": no such directory");
                requireTree(dir, spec);
                yield dir;
            }
            case TARBALL -> unpack(cwd, cacheDir, phase);
            case GIT -> cloneRepo(cwd, cacheDir, phase);
        };
    }

    static void requireTree(Path dir, String what) {
        if (!isKernelTree(dir)) {
            throw MerosException.usage(what + " is not a kernel source tree (want Makefile, Kconfig and arch/ at its top)");
        }
    }

    /**
     * Whether {@link #prepare} would find the tree in place and change nothing under {@code cacheDir}: always for a
     * directory; for a tarball or a clone, when its stamp matches and the tree is there.
     */
    public boolean isCurrent(Path cwd, Path cacheDir) {
        return kind == Kind.TREE || isCached(cacheDir, stamp(cwd));
    }

    /** Whether the tree under {@code cacheDir} is there and its stamp file says it came from {@code stamp}. */
    private boolean isCached(Path cacheDir, String stamp) {
        Path stampFile = cacheDir.resolve(cacheName() + ".meros-stamp");
        try {
            return Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)
                    && isKernelTree(cacheDir.resolve(cacheName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the cached tree of a tarball or clone came from: path, size and mtime, or the URL. */
    private String stamp(Path cwd) {
        if (kind == Kind.GIT) return "git " + spec + "\n";
        Path tarball = cwd.resolve(spec).toAbsolutePath().normalize();
        if (!Files.isRegularFile(tarball)) throw MerosException.usage("kernel source " + spec + ": no such file");
        try {
            return "tarball " + tarball + "\nsize " + Files.size(tarball)
                    + "\nmtime " + Files.getLastModifiedTime(tarball).toMillis() + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path unpack(Path cwd, Path cacheDir, Consumer<String> phase) {
        String stamp = stamp(cwd);
        Path tarball = cwd.resolve(spec).toAbsolutePath().normalize();
        return cached(cacheDir, stamp, "unpacking " + tarball.getFileName(), ".unpack-", tmp -> {
            Files.createDirectories(tmp);
            Proc.of("tar", "-xf", tarball.toString(), "-C", tmp.toString()).timeout(Duration.ofMinutes(20)).run();
            Path top = tmp;
            try (Stream<Path> s = Files.list(tmp)) {
                List<Path> kids = s.toList();
                if (kids.size() == 1 && Files.isDirectory(kids.get(0))) top = kids.get(0);
            }
            if (!isKernelTree(top)) {
                throw MerosException.usage("tarball " + spec + " does not contain a kernel source tree "
                        + "(want Makefile, Kconfig and arch/ at its top)");
            }
            return top;
        }, phase);
    }

    private Path cloneRepo(Path cwd, Path cacheDir, Consumer<String> phase) {
        return cached(cacheDir, stamp(cwd), "cloning " + spec + " (--depth 1)", ".clone-", tmp -> {
            Proc.of("git", "clone", "--quiet", "--depth", "1", spec, tmp.toString()).timeout(Duration.ofMinutes(60)).run();
            requireTree(tmp, "git repository " + spec);
            return tmp;
        }, phase);
    }

    /** Fetches a source into {@code tmp} and returns the kernel tree's top inside it. */
    private interface Fetch {
        Path into(Path tmp) throws IOException;
    }

    /**
     * The tree cached under {@code cacheDir} when its stamp file says it came from {@code stamp}; otherwise
     * fetched into a scratch directory and moved into place, the stamp written last, so an interrupted fetch
     * never looks complete.
     */
    private Path cached(Path cacheDir, String stamp, String what, String tmpPrefix, Fetch fetch, Consumer<String> phase) {
        Path dest = cacheDir.resolve(cacheName());
        Path stampFile = cacheDir.resolve(cacheName() + ".meros-stamp");
        try {
            if (isCached(cacheDir, stamp)) return dest;
            Files.createDirectories(cacheDir);
            phase.accept(what + " into " + dest);
            Path tmp = cacheDir.resolve(tmpPrefix + cacheName());
            deleteTree(tmp);
            deleteTree(dest);
            Files.deleteIfExists(stampFile);
            try {
                Files.move(fetch.into(tmp), dest, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(tmp);
            }
            Files.writeString(stampFile, stamp, StandardCharsets.UTF_8);
            return dest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
