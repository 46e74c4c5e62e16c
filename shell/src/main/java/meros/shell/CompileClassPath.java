package meros.shell;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * The class path JShell's compiler reads, kept as directories of class files under the cache
 * ({@code cache/jshell-classpath/<jar>-<size>-<mtime>/}, one per jar, in class-path order). javac opens every jar of
 * its class path on its first package lookup and indexes each jar's whole central directory (the shell's 26 jars,
 * about 10,700 entries, the signed Bouncy Castle jars among them), which took about a third of JShell's first
 * compilation; in a directory it only looks at the package directories it needs.
 *
 * <p>Used only when every entry of the class path is a jar (the installed and launcher layouts; a test runner's
 * {@code target/classes} directories are given to javac as they are). A jar's {@code Class-Path} manifest attribute is
 * followed as javac follows it. Only {@code .class} files outside {@code META-INF/} are kept (no {@code module-info},
 * no multi-release versions: javac compiles against each jar's base classes, which declare the same API). A directory is made once per jar version, on JShell's own thread (the
 * first start after a build: the launcher's training run), written to a temporary name and renamed when complete;
 * directories of other versions of the same jar are removed then. {@code -Dmeros.jshell.classPathCache=false} gives
 * javac the jars.
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

    /** The directory name of a jar's version: its file name, size in bytes and modification time in ms. */
    static String key(Path jar) throws IOException {
        BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
        return jar.getFileName() + "-" + a.size() + "-" + a.lastModifiedTime().toMillis();
    }

    /** {@code root/<key>}, extracted from {@code jar} first when it is not there yet. */
    static Path extracted(Path jar, Path root) throws IOException {
        String key = key(jar);
        Path dir = root.resolve(key);
        if (Files.isDirectory(dir)) {
            if (!Files.isReadable(dir) || !Files.isExecutable(dir)) throw new IOException("cannot read " + dir);
            return dir;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, ".tmp-" + jar.getFileName());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // as the jar: others may read it
        try {
            try (JarFile f = new JarFile(jar.toFile(), false)) {
                Manifest m = f.getManifest();
                String cp = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                Files.writeString(tmp.resolve(CLASS_PATH_FILE), cp == null ? "" : cp);
                Enumeration<? extends ZipEntry> entries = f.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry e = entries.nextElement();
                    String name = e.getName();
                    if (e.isDirectory() || !name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")) continue;
                    Path to = tmp.resolve(name).normalize();
                    if (!to.startsWith(tmp)) continue; // no entry writes outside its directory
                    Files.createDirectories(to.getParent());
                    try (InputStream in = f.getInputStream(e)) {
                        Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(dir)) throw e; // else another process made it meanwhile
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) throw e; // a non-empty target: made meanwhile
            }
        } finally {
            deleteTree(tmp);
        }
        removeOtherVersions(root, jar.getFileName().toString(), key);
        return dir;
    }

    /** Removes {@code root}'s directories of other versions of the jar named {@code jarName}. */
    private static void removeOtherVersions(Path root, String jarName, String keep) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, jarName + "-*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                // <jarName>-<size>-<mtime> exactly: not a jar whose name only starts the same (foo.jar, foo.jar-x.jar)
                if (!n.equals(keep) && n.substring(jarName.length() + 1).matches("\\d+-\\d+")) deleteTree(p);
            }
        } catch (IOException | RuntimeException e) {
            // stale copies cost disk only
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
