package meros.shell;

import meros.core.base.FileTrees;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * The class path JShell's compiler reads, kept as directories of class files under the cache
 * ({@code cache/jshell-classpath/<jar>-<size>-<mtime>-<path hash>/}, one per jar, in class-path order). javac opens
 * every jar of its class path on its first package lookup and indexes each jar's whole central directory (the shell's
 * 26 jars, about 10,700 entries, the signed Bouncy Castle jars among them); in a directory it only looks at the
 * package directories it needs.
 *
 * <p>Used only when every entry of the class path is a jar (the installed and launcher layouts; a test runner's
 * {@code target/classes} directories are given to javac as they are). A jar's {@code Class-Path} manifest attribute is
 * followed as javac follows it. A directory holds the class files javac would read from the jar for this runtime's
 * release ({@link #extract}). It is made once per jar version, on JShell's own thread (the first start after a build:
 * the launcher's training run), written to a temporary name and renamed when complete; then directories of other
 * versions of the same jar that no running process holds are removed (one held by a shell still open stays until the
 * jar's next version is made). {@code -Dmeros.jshell.classPathCache=false}
 * gives javac the jars.
 */
final class CompileClassPath {
    /** The directory under the cache that holds the extracted jars. */
    static final String DIR = "jshell-classpath";
    /** The system property that, {@code false}, gives javac the jars themselves. */
    static final String PROPERTY = "meros.jshell.classPathCache";
    /**
     * The file in an extracted directory that keeps the jar's {@code Class-Path} attribute (empty without one), so
     * that a start does not read the jars' manifests (the signed Bouncy Castle ones are 820 KB).
     */
    static final String CLASS_PATH_FILE = ".class-path";

    private CompileClassPath() { }

    /**
     * The class path to give javac for {@code classPath} (entries joined with {@link File#pathSeparator}): the
     * extracted directories when every entry is a jar and they exist or can be made under {@code cache}, else
     * {@code classPath} unchanged.
     */
    static String of(String classPath, Path cache) {
        if ("false".equals(System.getProperty(PROPERTY))) return classPath;
        Path root = cache.resolve(DIR);
        List<String> dirs = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        List<Path> given = new ArrayList<>();
        for (String e : classPath.split(File.pathSeparator)) {
            if (e.isBlank()) continue;
            Path p = Path.of(e).toAbsolutePath().normalize();
            if (!isJar(p)) return classPath;
            given.add(p);
        }
        try {
            for (Path jar : given) {
                if (!add(jar, root, seen, dirs)) return classPath;
            }
        } catch (IOException | RuntimeException e) {
            return classPath; // the jars compile the same, only slower
        }
        return dirs.isEmpty() ? classPath : String.join(File.pathSeparator, dirs);
    }

    /**
     * Adds the directory of {@code jar}, then those of its {@code Class-Path} entries (resolved against the jar's
     * directory; a missing one is skipped, as javac skips it), each once; false when an entry is not a regular
     * {@code .jar} file.
     */
    private static boolean add(Path jar, Path root, Set<Path> seen, List<String> dirs) throws IOException {
        if (!seen.add(jar)) return true;
        if (!isJar(jar)) return false;
        Path dir = extracted(jar, root);
        dirs.add(dir.toString());
        for (String rel : Files.readString(dir.resolve(CLASS_PATH_FILE)).trim().split("\\s+")) {
            if (rel.isEmpty()) continue;
            Path p = jar.getParent().resolve(rel).normalize();
            if (Files.exists(p) && !add(p, root, seen, dirs)) return false;
        }
        return true;
    }

    private static boolean isJar(Path p) {
        return p.getFileName() != null && p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p);
    }

    /**
     * The directory name of a jar's version: its file name, size in bytes, modification time in ms and the CRC-32 of
     * its absolute path in 8 hex digits (two installs sharing a data directory keep their own). A CRC, not a digest:
     * a start should not wait for the security providers a {@code MessageDigest} loads.
     */
    static String key(Path jar) throws IOException {
        BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
        return jar.getFileName() + "-" + a.size() + "-" + a.lastModifiedTime().toMillis() + "-" + pathHash(jar);
    }

    private static String pathHash(Path jar) {
        CRC32 crc = new CRC32();
        crc.update(jar.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }

    /** The file in each directory a process holds a shared lock on while it may compile against it. */
    static final String LOCK_FILE = ".lock";
    /** A temporary directory this old is an extraction whose process ended (killed) before it renamed it. */
    static final Duration ABANDONED = Duration.ofHours(1);
    /**
     * The directories this process holds, with the channel of each one's lock: released when it ends. Never opened a
     * second time here: closing any channel of a file releases every lock the process has on it (fcntl(2)).
     */
    private static final Map<Path, FileChannel> HELD = new HashMap<>();

    /**
     * {@code root/<key>}, extracted from {@code jar} first when it is not there yet, and locked (shared) for the rest
     * of this process's life so that no other process removes it while this one's javac may read it. Throws
     * IOException when it cannot be read or made; the caller then gives javac the jars.
     */
    static Path extracted(Path jar, Path root) throws IOException {
        String key = key(jar);
        Path dir = root.resolve(key);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(root);
            removeAbandoned(root);
            Path tmp = Files.createTempDirectory(root, ".tmp-" + jar.getFileName());
            try {
                extract(jar, tmp);
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.isDirectory(dir)) throw e; // else another process made it meanwhile
                }
            } finally {
                FileTrees.deleteQuietly(tmp);
            }
            hold(dir);
            removeOtherVersions(root, jar, key); // once per new version: a start that finds its directory made skips it
            return dir;
        }
        hold(dir);
        return dir;
    }

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    /**
     * Writes {@code jar}'s class files into {@code dir}: those outside {@code META-INF/}, then, in a multi-release jar,
     * those of {@code META-INF/versions/N/} for each N from 9 up to this runtime's version, in that order, over them
     * (what javac reads from the jar when it compiles for this release); never a {@code module-info.class}. Modes are
     * set explicitly (directories 755, files 644, whatever the umask), as the jar's own: others may read them.
     */
    private static void extract(Path jar, Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, DIR_MODE);
        int runtime = Runtime.version().feature();
        try (JarFile f = new JarFile(jar.toFile(), false)) {
            Manifest m = f.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            boolean multiRelease = m != null && "true".equalsIgnoreCase(m.getMainAttributes().getValue(Attributes.Name.MULTI_RELEASE));
            write(dir.resolve(CLASS_PATH_FILE), cp == null ? new byte[0] : cp.getBytes(StandardCharsets.UTF_8));
            write(dir.resolve(LOCK_FILE), new byte[0]);
            TreeMap<Integer, List<ZipEntry>> versioned = new TreeMap<>();
            Enumeration<? extends ZipEntry> entries = f.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                if (e.isDirectory() || !name.endsWith(".class") || name.endsWith("module-info.class")) continue;
                if (!name.startsWith("META-INF/")) {
                    copy(f, e, name, dir);
                } else if (multiRelease && name.startsWith(VERSIONS)) {
                    int slash = name.indexOf('/', VERSIONS.length());
                    if (slash < 0) continue;
                    try {
                        int v = Integer.parseInt(name.substring(VERSIONS.length(), slash));
                        if (v >= 9 && v <= runtime) versioned.computeIfAbsent(v, k -> new ArrayList<>()).add(e);
                    } catch (NumberFormatException x) {
                        // not a version directory
                    }
                }
            }
            for (List<ZipEntry> release : versioned.values()) {
                for (ZipEntry e : release) copy(f, e, e.getName().substring(e.getName().indexOf('/', VERSIONS.length()) + 1), dir);
            }
        }
    }

    private static final String VERSIONS = "META-INF/versions/";

    private static void copy(JarFile f, ZipEntry e, String name, Path dir) throws IOException {
        Path to = dir.resolve(name).normalize();
        if (!to.startsWith(dir) || to.equals(dir)) return; // no entry writes outside its directory
        makeDirs(dir, to.getParent());
        try (InputStream in = f.getInputStream(e)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(to, FILE_MODE);
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, FILE_MODE);
    }

    /** Creates {@code d} and its missing parents up to {@code top}, each 755. */
    private static void makeDirs(Path top, Path d) throws IOException {
        if (d.equals(top) || Files.isDirectory(d)) return;
        makeDirs(top, d.getParent());
        Files.createDirectory(d);
        Files.setPosixFilePermissions(d, DIR_MODE);
    }

    /** Takes a shared lock on {@code dir}'s {@link #LOCK_FILE}, held until this process ends; a directory without one is used unlocked. */
    private static void hold(Path dir) {
        synchronized (HELD) {
            if (HELD.containsKey(dir)) return;
            try {
                FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.READ);
                try {
                    ch.lock(0, Long.MAX_VALUE, true);
                    HELD.put(dir, ch);
                } catch (IOException | RuntimeException e) {
                    ch.close(); // locked by this process already (OverlappingFileLockException), or no locks here
                }
            } catch (IOException | RuntimeException e) {
                // no lock file: nothing can be held, the directory is still used
            }
        }
    }

    /**
     * Removes {@code root}'s directories of other versions of {@code jar} (same file name and path) that no process
     * holds (an exclusive lock on their {@link #LOCK_FILE} is granted): a shell still open on an older build keeps
     * what it compiles against.
     */
    private static void removeOtherVersions(Path root, Path jar, String keep) {
        String name = jar.getFileName().toString();
        String hash = pathHash(jar);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, name + "-*-" + hash)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                // <name>-<size>-<mtime>-<hash> exactly: not a jar whose name only starts the same (foo.jar, foo.jar-x.jar)
                if (n.equals(keep) || !n.substring(name.length() + 1).matches("\\d+-\\d+-" + hash)) continue;
                synchronized (HELD) {
                    if (HELD.containsKey(p)) continue;
                }
                try (FileChannel ch = FileChannel.open(p.resolve(LOCK_FILE), StandardOpenOption.READ, StandardOpenOption.WRITE);
                     FileLock lock = ch.tryLock()) {
                    if (lock != null) FileTrees.deleteQuietly(p);
                } catch (IOException | RuntimeException e) {
                    // in use, or not ours to remove
                }
            }
        } catch (IOException | RuntimeException e) {
            // stale copies cost disk only
        }
    }

    /** Removes temporary directories older than {@link #ABANDONED}: extractions whose process was killed. */
    private static void removeAbandoned(Path root) {
        Instant before = Instant.now().minus(ABANDONED);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, ".tmp-*")) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) FileTrees.deleteQuietly(p);
            }
        } catch (IOException | RuntimeException e) {
            // they cost disk only
        }
    }
}
