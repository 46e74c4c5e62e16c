package meros.shell;

import jdk.jshell.JShell;
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
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

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
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
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

    private static List<Path> entries(String classPath) {
        return Stream.of(classPath.split(File.pathSeparator)).map(Path::of).toList();
    }

    @Test
    void jarsBecomeDirectoriesOfTheirClassFilesInClassPathOrder() throws IOException {
        byte[] greeter = compile("Greeter", "package p; public class Greeter { public String hi() { return \"hi\"; } }");
        Path lib = jar(tmp.resolve("app/lib/lib.jar"), null, "p/Greeter.class", greeter,
                "META-INF/versions/11/p/Greeter.class", greeter, "module-info.class", greeter, "p/readme.txt", new byte[] {1});
        Path app = jar(tmp.resolve("app/app.jar"), "lib/lib.jar lib/missing.jar", "p/App.class", greeter);
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

        // javac finds the jar's classes in the directories
        try (JShell js = JShell.builder().executionEngine("local")
                .compilerOptions("--class-path", CompileClassPath.of(app.toString(), cache)).build()) {
            assertEquals("String", js.sourceCodeAnalysis().analyzeType("new p.Greeter().hi()", 22));
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
        assertFalse(Files.exists(first), "the old version's directory is removed");
        try (Stream<Path> s = Files.list(cache.resolve(CompileClassPath.DIR))) {
            assertEquals(List.of(second), s.toList(), "no temporary directory left behind");
        }
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
