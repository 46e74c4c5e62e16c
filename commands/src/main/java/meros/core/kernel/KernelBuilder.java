package meros.core.kernel;

import meros.core.base.IoErrors;
import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.LockFile;
import meros.core.base.MerosException;
import meros.core.base.SharedLockFile;
import meros.core.base.TextFiles;
import meros.core.proc.Proc;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code kernel-build}: configures a minimal guest kernel from {@code tinyconfig} plus meros's fragment
 * ({@code meros/kernel/meros.config} and {@code meros-<arch>.config} on the classpath, in the repository under
 * {@code commands/src/main/resources/}) plus the user's fragment, builds it out of tree in
 * {@code data/build/kernel/<arch>/} and copies the image atomically to {@code data/disks/bzImage}
 * ({@code Image} for aarch64). Everything is incremental: the configuration step is skipped while the merged
 * fragment, the base and the source are unchanged, and make itself rebuilds only what changed.
 */
public final class KernelBuilder {
    /** The base configuration target the fragments are merged over. */
    public static final String BASE = "tinyconfig";
    static final String RESOURCE_DIR = "/meros/kernel/";
    /** How long a build waits for another one to finish fetching or reading the shared sources. */
    static final Duration SOURCE_LOCK_WAIT = Duration.ofMinutes(60);
    /** How often a waiting build tries the sources' lock again. */
    static final Duration LOCK_POLL = Duration.ofMillis(500);

    private final Home home;
    private final Path usrSrc;

    public KernelBuilder(Home home) {
        this(home, Path.of("/usr/src"));
    }

    /** @param usrSrc where Debian's {@code linux-source-*.tar.xz} is looked for (tests replace it) */
    public KernelBuilder(Home home, Path usrSrc) {
        this.home = home;
        this.usrSrc = usrSrc;
    }

    /**
     * What to build.
     *
     * @param source   a directory, tarball or git URL (relative paths: to the working directory); null means Debian's
     *                 {@code linux-source} tarball
     * @param fragment the user's Kconfig fragment (relative: to the working directory), or null
     * @param arch     the target
     * @param jobs     make's {@code -j}; 0 means the number of processors
     */
    public record Options(String source, Path fragment, KernelArch arch, int jobs) { }

    /** What a build reports while it runs. */
    public interface Listener {
        /** A step: "unpacking ...", "configuring ...", "compiling ...". */
        default void phase(String text) { }
        /** One condensed make line, e.g. {@code CC fs/ext4/inode.o}. */
        default void progress(String makeLine) { }
        default void warning(String text) { }
    }

    /**
     * The outcome.
     *
     * @param image        the installed image ({@code data/disks/bzImage})
     * @param reconfigured whether the configuration step ran (false: inputs unchanged)
     * @param imageChanged whether the installed image was replaced
     */
    public record Result(Path image, Path tree, Path buildDir, Path log, boolean reconfigured, boolean imageChanged,
                         List<String> warnings, Duration elapsed) { }

    public Path buildDir(KernelArch arch) { return home.build().resolve("kernel").resolve(arch.id); }
    public Path sourceCache() { return home.build().resolve("kernel-src"); }
    public Path installedImage(KernelArch arch) { return home.disks().resolve(arch.imageName); }

    /**
     * One build per architecture at a time: {@code data/build/kernel-<arch>.lock}, a sibling of the build directory
     * (which may be wiped). Builds for different architectures run side by side.
     */
    private Path buildLockPath(KernelArch arch) throws IOException {
        return Files.createDirectories(home.build()).resolve("kernel-" + arch.id + ".lock");
    }

    /**
     * Guards the unpacked or cloned sources under {@code data/build/kernel-src/} that builds share: held exclusively
     * while a tree is fetched or replaced, shared while a build reads it.
     */
    private Path sourceLockPath() throws IOException {
        return Files.createDirectories(home.build()).resolve("kernel-src.lock");
    }

    /**
     * Waits for the sources lock (shared or exclusive) for at most {@link #SOURCE_LOCK_WAIT}, polling every
     * {@link #LOCK_POLL}; another build holding it that long is refused as busy, naming the lock file.
     */
    private static SharedLockFile.Held waitForLock(SharedLockFile sources, boolean shared, Listener l) {
        long deadline = System.nanoTime() + SOURCE_LOCK_WAIT.toNanos();
        boolean told = false;
        while (true) {
            SharedLockFile.Held held = shared ? sources.tryShared() : sources.tryExclusive();
            if (held != null) return held;
            if (System.nanoTime() > deadline) {
                throw new MerosException(ExitCode.BUSY, "waited " + SOURCE_LOCK_WAIT.toMinutes()
                        + " min for another kernel-build to finish with the shared sources (" + sources.file() + ")");
            }
            if (!told) {
                l.phase("waiting for another kernel-build to finish with the shared sources (" + sources.file() + ")");
                told = true;
            }
            try {
                Thread.sleep(LOCK_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw MerosException.failed("interrupted waiting for " + sources.file());
            }
        }
    }

    /** meros's own fragments for an architecture, from the classpath. */
    public static List<KernelConfig.Fragment> merosFragments(KernelArch arch) {
        List<KernelConfig.Fragment> f = new ArrayList<>();
        f.add(new KernelConfig.Fragment("meros.config", resource("meros.config")));
        f.add(new KernelConfig.Fragment("meros-" + arch.id + ".config", resource("meros-" + arch.id + ".config")));
        return f;
    }

    private static String resource(String name) {
        try (InputStream in = KernelBuilder.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE_DIR + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Result build(Options o, Listener l) {
        long t0 = System.nanoTime();
        KernelArch arch = o.arch();
        KernelSource src = o.source() == null ? KernelSource.debianDefault(usrSrc) : KernelSource.classify(o.source());
        List<KernelConfig.Fragment> fragments = merosFragments(arch);
        if (o.fragment() != null) {
            Path f = cwd().resolve(o.fragment());
            if (!Files.isRegularFile(f)) throw MerosException.usage("config fragment " + o.fragment() + ": no such file");
            fragments.add(new KernelConfig.Fragment(o.fragment().toString(), read(f)));
        }
        Map<String, KernelConfig.Entry> merged = KernelConfig.merge(fragments); // bad lines fail here, before work
        BuildTools.require(arch, src.kind());
        try {
            Path buildLock = buildLockPath(arch);
            SharedLockFile sources = SharedLockFile.of(sourceLockPath());
            try (LockFile lock = LockFile.acquire(buildLock, pid -> "another kernel-build --arch " + arch.id + " is running (pid "
                         + pid + ", " + buildLock + ")", false, false)) {
                // fetch the sources under the exclusive lock; build under the shared one, once the tree is current
                while (true) {
                    try (SharedLockFile.Held shared = waitForLock(sources, true, l)) {
                        if (src.isCurrent(cwd(), sourceCache())) {
                            return buildLocked(o, l, t0, src.prepare(cwd(), sourceCache(), l::phase), fragments, merged);
                        }
                    }
                    try (SharedLockFile.Held exclusive = waitForLock(sources, false, l)) {
                        src.prepare(cwd(), sourceCache(), l::phase);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Result buildLocked(Options o, Listener l, long t0, Path tree, List<KernelConfig.Fragment> fragments,
                               Map<String, KernelConfig.Entry> merged) {
        KernelArch arch = o.arch();
        if (Files.exists(tree.resolve(".config"))) {
            throw MerosException.usage(tree + " is configured in place (it has a .config): run 'make mrproper' there "
                    + "or use a clean tree (kernel-build builds out of tree)");
        }
        Path out = buildDir(arch);
        Path log = out.resolve("build.log");
        List<String> warnings = new ArrayList<>();
        boolean reconfigured;
        try {
            useBuildDirFor(out, tree, l);
            Files.createDirectories(out);
            int jobs = o.jobs() > 0 ? o.jobs() : Runtime.getRuntime().availableProcessors();
            try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                Make make = new Make(tree, out, arch, w, l);
                String stamp = configStamp(tree, arch, merged);
                Path stampFile = out.resolve(".meros-config-stamp");
                reconfigured = !(Files.isRegularFile(out.resolve(".config")) && Files.isRegularFile(stampFile)
                        && Files.readString(stampFile).equals(stamp));
                if (reconfigured) {
                    l.phase("configuring: " + BASE + " + " + String.join(" + ", fragments.stream().map(KernelConfig.Fragment::origin).toList())
                            + " + olddefconfig");
                    Files.deleteIfExists(stampFile);
                    make.run(List.of(BASE), Duration.ofMinutes(10));
                    Path config = out.resolve(".config");
                    Files.writeString(config, KernelConfig.apply(Files.readString(config), merged));
                    make.run(List.of("olddefconfig"), Duration.ofMinutes(10));
                    Files.writeString(stampFile, stamp);
                }
                List<KernelConfig.Mismatch> mismatches = KernelConfig.verify(merged, Files.readString(out.resolve(".config")));
                if (!mismatches.isEmpty()) {
                    for (String warning : KernelConfig.report(mismatches, declaredSymbols(tree, out)).warnings()) {
                        warnings.add(warning);
                        l.warning(warning);
                    }
                }
                l.phase("compiling " + arch.imageName + " with make -j" + jobs + " (log: " + home.display(log) + ")");
                make.run(List.of("-j" + jobs, arch.imageName), Duration.ofHours(3));
            }
            Path built = out.resolve(arch.imagePath);
            if (!Files.isRegularFile(built)) throw MerosException.failed("make finished but " + built + " is missing");
            Path dest = installedImage(arch);
            boolean changed = install(built, dest);
            return new Result(dest, tree, out, log, reconfigured, changed, warnings, Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A build directory serves one source tree: if it was used for another (or the tarball changed), start clean. */
    private void useBuildDirFor(Path out, Path tree, Listener l) throws IOException {
        Path marker = out.resolve(".meros-source");
        Path srcStamp = tree.resolveSibling(tree.getFileName() + ".meros-stamp");
        String identity = "tree " + tree + "\n" + (Files.isRegularFile(srcStamp) ? Files.readString(srcStamp) : "");
        if (Files.isDirectory(out) && Files.isRegularFile(marker) && !Files.readString(marker).equals(identity)) {
            l.phase("build directory " + out + " was used for other sources: starting clean");
            KernelSource.deleteTree(out);
        }
        Files.createDirectories(out);
        if (!Files.isRegularFile(marker) || !Files.readString(marker).equals(identity)) Files.writeString(marker, identity);
    }

    /** Hash of everything the configuration step depends on. */
    static String configStamp(Path tree, KernelArch arch, Map<String, KernelConfig.Entry> merged) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("base ").append(BASE).append('\n').append("arch ").append(arch.kernelArch).append('\n');
        sb.append("tree ").append(tree).append('\n');
        Path mk = tree.resolve("Makefile");
        sb.append("makefile ").append(Files.size(mk)).append(' ').append(Files.getLastModifiedTime(mk).toMillis()).append('\n');
        merged.forEach((k, e) -> sb.append(KernelConfig.line(k, e.value())).append('\n'));
        return sha256(sb.toString()) + "\n";
    }

    /**
     * Every symbol a Kconfig file of the tree declares (to tell unknown symbols from unmet dependencies), cached in
     * the build directory for the tree's identity (a walk over the whole tree costs seconds).
     */
    static Set<String> declaredSymbols(Path tree, Path out) throws IOException {
        Path cache = out.resolve(".meros-kconfig-symbols");
        String identity = "tree " + tree + " " + Files.getLastModifiedTime(tree.resolve("Makefile")).toMillis();
        if (Files.isRegularFile(cache)) {
            List<String> lines = Files.readAllLines(cache);
            if (!lines.isEmpty() && lines.get(0).equals(identity)) return new HashSet<>(lines.subList(1, lines.size()));
        }
        Set<String> s = new HashSet<>();
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("Kconfig")).filter(Files::isRegularFile).toList()) {
                KernelConfig.declaredSymbols(Files.readString(p, StandardCharsets.ISO_8859_1), s);
            }
        }
        Files.writeString(cache, identity + "\n" + String.join("\n", s) + "\n");
        return s;
    }

    /**
     * The version string an x86 {@code bzImage} carries in its setup header ({@code "6.1.192 (user@host) #1 SMP ..."}),
     * or null when the file is no bzImage.
     */
    public static String bzImageVersion(Path image) throws IOException {
        byte[] b = Files.readAllBytes(image);
        if (b.length < 0x210 || b[0x202] != 'H' || b[0x203] != 'd' || b[0x204] != 'r' || b[0x205] != 'S') return null;
        int off = ((b[0x20E] & 0xff) | (b[0x20F] & 0xff) << 8) + 0x200;
        int end = off;
        while (end < b.length && b[end] != 0) end++;
        return off < b.length ? new String(b, off, end - off, StandardCharsets.US_ASCII) : null;
    }

    /** Copies atomically unless the installed image is already identical; returns whether it was replaced. */
    static boolean install(Path built, Path dest) throws IOException {
        Files.createDirectories(dest.getParent());
        if (Files.isRegularFile(dest) && Files.mismatch(built, dest) == -1) return false;
        Path tmp = dest.resolveSibling("." + dest.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.copy(built, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    /** Relative {@code --source} and {@code --config} paths are relative to the working directory, as on any command line. */
    private static Path cwd() {
        return Path.of("").toAbsolutePath();
    }

    private static String read(Path p) {
        try {
            return TextFiles.read(p);
        } catch (IOException e) {
            throw MerosException.usage("cannot read " + p + ": " + IoErrors.reason(e, p));
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Pattern KBUILD_LINE = Pattern.compile("^\\s+([A-Z][A-Z0-9_-]*)\\s+(\\S.*)$");

    /** A kbuild quiet-mode line ({@code "  CC      fs/ext4/inode.o"}) condensed to {@code "CC fs/ext4/inode.o"}, else null. */
    public static String condense(String makeLine) {
        Matcher m = KBUILD_LINE.matcher(makeLine);
        return m.matches() ? m.group(1) + " " + m.group(2).strip() : null;
    }

    /** Runs make in the build directory, all output into the log, condensed lines to the listener. */
    private static final class Make {
        private final Path tree;
        private final Path out;
        private final KernelArch arch;
        private final BufferedWriter log;
        private final Listener listener;
        private final Deque<String> last = new ArrayDeque<>();

        Make(Path tree, Path out, KernelArch arch, BufferedWriter log, Listener listener) {
            this.tree = tree;
            this.out = out;
            this.arch = arch;
            this.log = log;
            this.listener = listener;
        }

        void run(List<String> targets, Duration timeout) throws IOException {
            List<String> argv = new ArrayList<>(List.of("make", "-C", tree.toString(), "O=" + out, "ARCH=" + arch.kernelArch));
            if (arch.needsCross()) argv.add("CROSS_COMPILE=" + arch.crossPrefix);
            argv.addAll(targets);
            synchronized (this) { log.write("$ " + String.join(" ", argv) + "\n"); }
            Proc.Result r = Proc.of(argv).timeout(timeout).onLine(this::line).call();
            synchronized (this) { log.flush(); }
            if (!r.ok()) {
                String tail;
                synchronized (this) { tail = String.join("\n", last); }
                throw new MerosException(ExitCode.EXTERNAL, "error: kernel build failed: make " + String.join(" ", targets)
                        + " exited with status " + r.exit() + "; full log: " + out.resolve("build.log")
                        + "\nlast lines:\n" + tail.lines().map(s -> "  " + s).reduce((a, b) -> a + "\n" + b).orElse(""));
            }
        }

        private synchronized void line(String s) {
            try {
                log.write(s);
                log.write('\n');
                log.flush(); // the log is live: tail -f it while the build runs
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            last.addLast(s);
            if (last.size() > 15) last.removeFirst();
            String c = condense(s);
            if (c != null) listener.progress(c);
        }
    }

    /**
     * A listener printing to {@code out}: phases and warnings as lines with elapsed seconds; make lines as one
     * live line rewritten in place when {@code live} (a terminal), else one line every 30 s.
     */
    public static Listener printing(PrintWriter out, boolean live) {
        long t0 = System.nanoTime();
        return new Listener() {
            private long lastPrinted;
            private boolean dirty;

            private String stamp() { return String.format("[%3ds] ", (System.nanoTime() - t0) / 1_000_000_000L); }

            private synchronized void endLive() {
                if (dirty) { out.print("\r\033[K"); dirty = false; }
            }

            @Override public synchronized void phase(String text) { endLive(); out.println(stamp() + text); out.flush(); }

            @Override public synchronized void warning(String text) { endLive(); out.println(text); out.flush(); }

            @Override public synchronized void progress(String line) {
                long now = System.nanoTime();
                if (live) {
                    String s = stamp() + line;
                    out.print("\r\033[K" + (s.length() > 110 ? s.substring(0, 110) : s));
                    out.flush();
                    dirty = true;
                } else if (now - lastPrinted > 30_000_000_000L) {
                    lastPrinted = now;
                    out.println(stamp() + line);
                    out.flush();
                }
            }
        };
    }
}
