package meros.shell;

import meros.cli.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meros script FILE} through the production command tree (the runner is found via ServiceLoader). */
class ScriptRunnerTest {
    @TempDir Path home;
    ShellFixture fx;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws Exception {
        fx = new ShellFixture(home);
    }

    private int run(String script) throws Exception {
        Path f = home.resolve("t.jsh");
        Files.writeString(f, script);
        return assertTimeoutPreemptively(ShellFixture.TIMEOUT, () ->
                Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", f.toString()));
    }

    private String file() {
        return home.resolve("t.jsh").toString();
    }

    @Test
    void aScriptWithBomAndCrlfRunsFromLineOne() throws Exception {
        assertEquals(0, run("\uFEFFlist\r\nint n = meros.list().size()\r\nSystem.out.println(\"n=\" + n)\r\n"), err.toString());
        assertTrue(out.toString().contains("meros> list\ndemo\nlab\n"), out.toString());
        assertTrue(out.toString().contains("n=2"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("\uFEFF// a comment first\r\nfor (String c : meros.list()) {\r\n    System.out.println(\"c=\" + c);\r\n}\r\n"), err.toString());
        assertTrue(out.toString().contains("c=demo\nc=lab"), out.toString());
        assertFalse(err.toString().contains("illegal character"), err.toString());
    }

    @Test
    void aUtf16ScriptIsRefusedByName() throws Exception {
        Path f = home.resolve("t16.jsh");
        Files.write(f, "\uFEFFlist\n".getBytes(StandardCharsets.UTF_16LE));
        int code = Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", f.toString());
        assertEquals(2, code);
        assertEquals(f + ": is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8\n", err.toString());
    }

    @Test
    void everyLineSucceedsExitZero() throws Exception {
        int code = run("""
                // a comment
                list

                int total = 0
                for (String c : meros.list()) {
                    total += c.length();
                }
                total
                System.out.println("done " + total)
                """);
        assertEquals(0, code, err.toString());
        String o = out.toString();
        assertTrue(o.contains("meros> list\ndemo\nlab\n"), o);
        assertTrue(o.contains("meros> for (String c : meros.list()) {\n   ...>     total += c.length();\n   ...> }"), o);
        assertTrue(o.contains("total ==> 7"), o);
        assertTrue(o.contains("done 7"), o);
        assertFalse(o.contains("a comment"), o);
    }

    @Test
    void failingCommandStopsWithFileAndLine() throws Exception {
        int code = run("list\nscript no-such-file.jsh\nSystem.out.println(\"not reached\")\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: 'script no-such-file.jsh' exited with status 2"), err.toString());
        assertFalse(out.toString().contains("not reached"));
    }

    @Test
    void compileErrorNamesTheLineInsideAMultiLineSnippet() throws Exception {
        int code = run("int a = 1\nvoid f() {\n  int b = a;\n  String s = b;\n}\nlist\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":4: compile error: incompatible types: int cannot be converted to java.lang.String"), err.toString());
        assertFalse(out.toString().contains("meros> list"), out.toString());
    }

    @Test
    void snippetExceptionFails() throws Exception {
        int code = run("1 + 1\nthrow new IllegalStateException(\"boom\")\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: java.lang.IllegalStateException: boom"), err.toString());
    }

    @Test
    void unfinishedSnippetAtEndOfFileFails() throws Exception {
        int code = run("list\nvoid f() {\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: unfinished Java snippet at end of file"), err.toString());
    }

    @Test
    void exitLineEndsTheScriptSuccessfully() throws Exception {
        int code = run("list\nexit\nthrow new IllegalStateException(\"not reached\")\n");
        assertEquals(0, code, err.toString());
    }

    @Test
    void missingScriptIsAUsageError() {
        int code = Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", "nope.jsh");
        assertEquals(2, code);
        assertTrue(err.toString().contains("no script file nope.jsh"), err.toString());
    }

    @Test
    void mainTreatsAJshArgumentAsAScript() throws Exception {
        Path f = home.resolve("m.jsh");
        Files.writeString(f, "throw new RuntimeException(\"x\")\n");
        String before = System.getProperty("meros.home"); // surefire's value: later test classes in this JVM need it
        System.setProperty("meros.home", home.toString());
        try {
            assertEquals(1, (int) assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> Main.run(new String[] {f.toString()})));
        } finally {
            if (before == null) System.clearProperty("meros.home");
            else System.setProperty("meros.home", before);
        }
    }
}
