package meros.shell;

import meros.core.base.Home;
import meros.core.Meros;
import meros.core.net.NftRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding of {@code meros} and the package imports are evaluated after JShell starts, one at a time; a line
 * naming no type by its simple name and not using {@code meros} may run before them, one using {@code meros} waits for
 * the binding, one naming a type for every import.
 */
class JShellImportsTest {
    @TempDir Path root;

    @Test
    void wordsStartingWithACapitalOutsideStringsAndCommentsNameTypes() {
        for (String s : List.of("List.of(1)", "var x = new ArrayList<String>()", "String s = \"a\"", "meros.list().get(0) instanceof Object",
                "x -> Path.of(x)", "_x + 1", "$y", "@Deprecated void f() { }", "int f(Duration d) { return 0; }", "a/*c*/B")) {
            assertTrue(JShellEvaluator.namesTypes(s), s);
        }
        for (String s : List.of("1+1", "meros.list()", "meros.constellation(\"Demo\").vm(\"Box\")", "// List\n1", "/* Map */ 2",
                "'A' + 1", "\"\"\"\n  Text Block \"quoted\"\n  \"\"\".length()", "var x = meros.list(); x.size()", "\"a\\\"B\".length()",
                "int über = 1", "")) {
            assertFalse(JShellEvaluator.namesTypes(s), s);
        }
    }

    @Test
    void theWordMerosOutsideStringsAndCommentsUsesTheBinding() {
        for (String s : List.of("meros.list()", "var c = meros.constellation(\"demo\")", "f(meros)", "meros", "x.meros + 1")) {
            assertTrue(JShellEvaluator.usesBinding(s), s);
        }
        for (String s : List.of("1+1", "\"meros\".length()", "// meros\n1", "/* meros */ 2", "merosX + 1", "int xmeros = 1",
                "\"\"\"\n meros\n \"\"\".length()", "")) {
            assertFalse(JShellEvaluator.usesBinding(s), s);
        }
    }

    @Test
    void everyTypeOfAnImportedCorePackageStartsWithACapital() throws IOException, URISyntaxException {
        Path classes = Path.of(Meros.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        int seen = 0;
        for (String imp : JShellEvaluator.IMPORTS) {
            String pkg = imp.substring("import ".length(), imp.length() - ".*;".length());
            if (!pkg.startsWith("meros.")) continue;
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.isDirectory(dir) ? Files.list(dir) : readJar(classes, pkg)) {
                for (String name : files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".class")).toList()) {
                    seen++;
                    assertTrue(Character.isUpperCase(name.charAt(0)), pkg + "." + name);
                }
            }
        }
        assertTrue(seen > 50, "classes found: " + seen);
    }

    private static Stream<Path> readJar(Path jar, String pkg) throws IOException {
        var fs = FileSystems.newFileSystem(jar);
        return Files.list(fs.getPath(pkg.replace('.', '/')));
    }

    @Test
    void linesTypedRightAfterTheStartMeanWhatTheySay() {
        try (JShellEvaluator ev = new JShellEvaluator(new Meros(new Home(root)))) {
            StringWriter out = new StringWriter();
            PrintWriter w = new PrintWriter(out, true);
            assertTrue(ev.eval("1+1", w, w).ok(), out.toString());
            assertTrue(ev.eval("meros.home().root().getFileName().toString()", w, w).ok(), out.toString());
            // names from java.util, java.time and two core packages, typed right after
            assertTrue(ev.eval("List.of(Duration.ofSeconds(2).toSeconds(), NftRules.tableName(\"x\").length(), ExitCode.USAGE.code)", w, w).ok(),
                    out.toString());
            String printed = out.toString();
            assertTrue(printed.contains("==> 2\n"), printed);
            assertTrue(printed.contains("==> \"" + root.getFileName() + "\"\n"), printed);
            assertTrue(printed.contains("==> [2, " + NftRules.tableName("x").length() + ", 2]\n"), printed);
            assertEquals(3, printed.lines().count(), printed);
        }
    }

    /** The shell pauses the imports while it reads and evaluates a line (Repl.runJava), as here. */
    @Test
    void aLineNamingATypeWhileTheImportsArePausedResumesThemAndWaits() {
        try (JShellEvaluator ev = new JShellEvaluator(new Meros(new Home(root)))) {
            StringWriter out = new StringWriter();
            PrintWriter w = new PrintWriter(out, true);
            ev.warmUp();
            ev.pauseImports();
            assertEquals(JShellEvaluator.Completeness.COMPLETE, ev.completeness("List.of(Duration.ofSeconds(3).toSeconds())"));
            assertTrue(assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> ev.eval("List.of(Duration.ofSeconds(3).toSeconds())", w, w)).ok(),
                    out.toString());
            assertTrue(out.toString().contains("==> [3]\n"), out.toString());
        }
    }

    /** {@code meros} typed at once, while the set-up is paused: as a line, and as a word that could be a command. */
    @Test
    void aLineUsingMerosWhileTheSetUpIsPausedResumesItAndWaitsForTheBinding() {
        try (JShellEvaluator ev = new JShellEvaluator(new Meros(new Home(root)))) {
            StringWriter out = new StringWriter();
            PrintWriter w = new PrintWriter(out, true);
            ev.pauseImports();
            assertFalse(assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> ev.isUnknownCommand("meros", "meros")),
                    "meros is the bound variable, not an unknown command");
            ev.pauseImports();
            assertEquals(JShellEvaluator.Completeness.COMPLETE, ev.completeness("meros.home().root().getFileName().toString()"));
            assertTrue(assertTimeoutPreemptively(ShellFixture.TIMEOUT,
                    () -> ev.eval("meros.home().root().getFileName().toString()", w, w)).ok(), out.toString());
            assertTrue(out.toString().contains("==> \"" + root.getFileName() + "\"\n"), out.toString());
        }
    }

    @Test
    void aLineNamingNoTypeRunsWhileTheImportsArePausedAndTheyGoOnAfterIt() {
        try (JShellEvaluator ev = new JShellEvaluator(new Meros(new Home(root)))) {
            StringWriter out = new StringWriter();
            PrintWriter w = new PrintWriter(out, true);
            ev.pauseImports();
            assertEquals(JShellEvaluator.Completeness.INCOMPLETE, ev.completeness("int f() {"));
            assertTrue(assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> ev.eval("int f() { return 40; }", w, w)).ok(), out.toString());
            // paused again by the next line; evaluating the one before resumed them (eval ends every pause)
            ev.pauseImports();
            assertTrue(assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> ev.eval("f() + 2", w, w)).ok(), out.toString());
            ev.resumeImports();
            assertTrue(assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> ev.eval("NftRules.tableName(\"x\").equals(\"" + NftRules.tableName("x") + "\")", w, w)).ok(),
                    out.toString());
            String printed = out.toString();
            assertTrue(printed.contains("created method f()\n"), printed);
            assertTrue(printed.contains("==> 42\n"), printed);
            assertTrue(printed.contains("==> true\n"), printed);
        }
    }
}
