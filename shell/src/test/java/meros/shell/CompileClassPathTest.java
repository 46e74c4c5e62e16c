package meros.shell;

import jdk.jshell.JShell;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompileClassPathTest {
    @TempDir Path tmp;

    /** Compiles {@code source} (one public class {@code name} in package p) and returns its class file's bytes. */
    private byte[] compile(String name, String source) throws IOException {
        Path src = tmp.resolve("src-" + name).resolve("p").resolve(name + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path out = tmp.resolve("out-" + name);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", out.toString(), src.toString()));
        return Files.readAllBytes(out.resolve("p").resolve(name + ".class"));
    }

    private static Path jar(Path file, String classPath, Object... entries) throws IOException {
        return jar(file, classPath, false, entries);
    }

    private static Path jar(Path file, String classPath, boolean multiRelease, Object... entries) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        if (multiRelease) m.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
        Files.createDirectories(file.getParent());
        try (OutputStream os = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(os, m)) {
            for (int i = 0; i < entries.length; i += 2) {
                jar.putNextEntry(new JarEntry((String) entries[i]));
                jar.write((byte[]) entries[i + 1]);
                jar.closeEntry();
            }
        }
        return file;
    }

    /** Every file under {@code dir}, relative to it. */
    private static List<String> files(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }

    private static List<Path> entries(String classPath) {
        return Stream.of(classPath.split(File.pathSeparator)).map(Path::of).toList();
    }

    @Test
    void jarsBecomeDirectoriesOfTheirClassFilesInClassPathOrder() throws IOException {
        byte[] greeter = compile("Greeter", "package p; public class Greeter { public String hi() { return \"hi\"; } }");
        Path lib = jar(tmp.resolve("app/lib/lib.jar"), null, "p/Greeter.class", greeter,
                "META-INF/versions/11/p/Greeter.class", greeter, "module-info.class", greeter, "p/readme.txt", new byte[] {1});
        Path app = jar(tmp.resolve("app/app.jar"), "lib/lib.jar lib/missing.jar", "p/App.class", compile("App", "package p; public class App { }"));
        Path cache = tmp.resolve("cache");

        List<Path> dirs = entries(CompileClassPath.of(app.toString(), cache));
        assertEquals(2, dirs.size(), dirs.toString());
        assertEquals(cache.resolve(CompileClassPath.DIR).resolve(CompileClassPath.key(app)), dirs.get(0));
        assertEquals(cache.resolve(CompileClassPath.DIR).resolve(CompileClassPath.key(lib)), dirs.get(1));
        assertTrue(Files.isRegularFile(dirs.get(0).resolve("p/App.class")));
        assertTrue(Files.isRegularFile(dirs.get(1).resolve("p/Greeter.class")));
        assertFalse(Files.exists(dirs.get(1).resolve("META-INF")));
        assertFalse(Files.exists(dirs.get(1).resolve("module-info.class")));
        assertFalse(Files.exists(dirs.get(1).resolve("p/readme.txt")));
        assertEquals("lib/lib.jar lib/missing.jar", Files.readString(dirs.get(0).resolve(CompileClassPath.CLASS_PATH_FILE)));

        // javac finds the jar's classes in the directories. The JShell compiles once before its source code analysis
        // exists: that analysis starts JShell's class index on a thread all JShells of the JVM share, and when an
        // earlier test's JShell still keeps that thread busy, the index's first look at the class path most likely comes
        // during this JShell's first compilation, which then (JDK 17) found no package p for the whole JShell
        // ("package p does not exist" after LiveShellTest in 4 of 12 runs under load, 0 of 14 with this compilation
        // first; a second JShell on the same class path right after a failure found it)
        try (JShell js = JShell.builder().executionEngine("local")
                .compilerOptions("--class-path", CompileClassPath.of(app.toString(), cache)).build()) {
            js.eval("int first = 1;");
            String type = js.sourceCodeAnalysis().analyzeType("new p.Greeter().hi()", 22);
            assertEquals("String", type, () -> "javac's diagnostics for the line: " + js.eval("new p.Greeter().hi()").stream()
                    .flatMap(e -> js.diagnostics(e.snippet())).map(d -> d.getMessage(Locale.ROOT)).toList()
                    + "; class path " + CompileClassPath.of(app.toString(), cache) + " holding " + files(cache));
        }
        try (JShell js = JShell.builder().executionEngine("local").build()) { // the same question without them
            assertNotEquals("String", js.sourceCodeAnalysis().analyzeType("new p.Greeter().hi()", 22));
        }
    }

    @Test
    void aNewVersionOfAJarReplacesItsDirectoryAndKeptOnesAreNotRewritten() throws IOException {
        byte[] greeter = compile("Greeter", "package p; public class Greeter { }");
        Path lib = jar(tmp.resolve("lib.jar"), null, "p/Greeter.class", greeter);
        Path cache = tmp.resolve("cache");
        Path first = entries(CompileClassPath.of(lib.toString(), cache)).get(0);
        Path cls = first.resolve("p/Greeter.class");
        FileTime written = Files.getLastModifiedTime(cls);
        Files.setLastModifiedTime(cls, FileTime.fromMillis(written.toMillis() - 60_000));
        assertEquals(first, entries(CompileClassPath.of(lib.toString(), cache)).get(0));
        assertEquals(written.toMillis() - 60_000, Files.getLastModifiedTime(cls).toMillis(), "kept, not extracted again");

        Files.setLastModifiedTime(lib, FileTime.fromMillis(Files.getLastModifiedTime(lib).toMillis() + 5_000));
        Path second = entries(CompileClassPath.of(lib.toString(), cache)).get(0);
        assertNotEquals(first, second);
        assertTrue(Files.isRegularFile(second.resolve("p/Greeter.class")));
        assertTrue(Files.exists(first), "the old version is held by this process (a shell may still compile against it)");

        // another process (a child JVM) makes a third version: the two this process holds stay
        Files.setLastModifiedTime(lib, FileTime.fromMillis(Files.getLastModifiedTime(lib).toMillis() + 5_000));
        Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                CompileClassPathTest.class.getName(), lib.toString(), cache.toString()).timeout(ShellFixture.TIMEOUT).call();
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        Path third = Path.of(r.stdout().strip());
        assertTrue(Files.isRegularFile(third.resolve("p/Greeter.class")), r.stdout());
        assertTrue(Files.exists(first) && Files.exists(second), "versions another process holds are kept");
        try (Stream<Path> s = Files.list(cache.resolve(CompileClassPath.DIR))) {
            assertEquals(3, s.count(), "no temporary directory left behind");
        }
    }

    @Test
    void versionsNoProcessHoldsAreRemoved() throws IOException {
        Path lib = jar(tmp.resolve("lib.jar"), null, "p/X.class", new byte[] {1});
        Path cache = tmp.resolve("cache");
        String[] made = new String[2];
        for (int i = 0; i < 2; i++) { // each in a child JVM, which holds its version only while it lives
            Files.setLastModifiedTime(lib, FileTime.fromMillis(1_700_000_000_000L + i * 5_000L));
            Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                    CompileClassPathTest.class.getName(), lib.toString(), cache.toString()).timeout(ShellFixture.TIMEOUT).call();
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            made[i] = r.stdout().strip();
        }
        assertFalse(Files.exists(Path.of(made[0])), "the first version, held by no process, went when the second was made");
        assertTrue(Files.isRegularFile(Path.of(made[1]).resolve("p/X.class")));
    }

    /** In a child JVM: prints the directory {@code CompileClassPath.of(args[0], args[1])} gives for the jar. */
    public static void main(String[] args) {
        System.out.println(CompileClassPath.of(args[0], Path.of(args[1])));
    }

    @Test
    void aMultiReleaseJarGivesTheClassesOfThisRelease() throws IOException {
        byte[] base = compile("Base", "package p; public class Base { }");
        byte[] newer = compile("Newer", "package p; public class Newer { }");
        Object[] entries = {"p/A.class", base, "META-INF/versions/9/p/A.class", newer, "META-INF/versions/11/p/A.class", base,
                "META-INF/versions/9/p/Only9.class", newer, "META-INF/versions/9999/p/A.class", newer};
        // without Multi-Release: true the versions are not read, as javac does not read them
        Path plain = entries(CompileClassPath.of(jar(tmp.resolve("plain.jar"), null, false, entries).toString(), tmp.resolve("c1"))).get(0);
        assertArrayEquals(base, Files.readAllBytes(plain.resolve("p/A.class")));
        assertFalse(Files.exists(plain.resolve("p/Only9.class")));

        Path dir = entries(CompileClassPath.of(jar(tmp.resolve("mr.jar"), null, true, entries).toString(), tmp.resolve("c2"))).get(0);
        assertArrayEquals(base, Files.readAllBytes(dir.resolve("p/A.class")), "version 11 over 9 over the base; 9999 not");
        assertArrayEquals(newer, Files.readAllBytes(dir.resolve("p/Only9.class")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("p/A.class"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("p"))));
    }

    @Test
    void aClassPathWithADirectoryOrSwitchedOffIsGivenAsItIs() throws IOException {
        Path lib = jar(tmp.resolve("lib.jar"), null, "p/X.class", new byte[] {1});
        Path cache = tmp.resolve("cache");
        String mixed = lib + File.pathSeparator + tmp.resolve("classes");
        assertEquals(mixed, CompileClassPath.of(mixed, cache));
        String notThere = tmp.resolve("gone.jar").toString();
        assertEquals(notThere, CompileClassPath.of(notThere, cache));
        System.setProperty(CompileClassPath.PROPERTY, "false");
        try {
            assertEquals(lib.toString(), CompileClassPath.of(lib.toString(), cache));
        } finally {
            System.clearProperty(CompileClassPath.PROPERTY);
        }
        assertFalse(Files.exists(cache.resolve(CompileClassPath.DIR).resolve(CompileClassPath.key(lib))));
    }
}
