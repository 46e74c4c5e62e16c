package meros.shell;

import meros.cli.Cli;
import meros.core.proc.Proc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** A compile error is reported once, at the file's line and column; JShell's own "error at" line stays out. */
    @Test
    void aCompileErrorIsReportedOnceAtFileLineColumn() throws Exception {
        int code = run("int a = 1;\nint x = ;\nlist\n");
        assertEquals(1, code);
        assertEquals(file() + ":2:9: compile error: illegal start of expression\n", err.toString());
    }

    /** Snippets run with assertions enabled: a failed assert stops the script like an exception. */
    @Test
    void anAssertInAScriptIsChecked() throws Exception {
        int code = run("int x = 1;\nassert x == 2 : \"nope\";\nSystem.out.println(\"after\");\n");
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().endsWith(file() + ":2: java.lang.AssertionError: nope\n"), err.toString());
        assertFalse(out.toString().contains("after"), out.toString());
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

    /** A script from a pipe (a FIFO, as /dev/stdin or bash's <(...) are) runs; a directory is named as one. */
    @Test
    void aScriptFromAPipeRunsAndADirectoryIsNamed() throws Exception {
        Path fifo = home.resolve("pipe.jsh");
        Proc.of("mkfifo", fifo.toString()).run();
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "int n = meros.list().size()\nSystem.out.println(\"n=\" + n)\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        int code = assertTimeoutPreemptively(ShellFixture.TIMEOUT, () ->
                Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", fifo.toString()));
        writer.join();
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("n=2"), out.toString());
        int dir = Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", home.toString());
        assertEquals(2, dir);
        assertEquals("error: script " + home + " is a directory, not a file\n", err.toString());
    }

    @Test
    void aUtf16ScriptIsRefusedByName() throws Exception {
        Path f = home.resolve("t16.jsh");
        Files.write(f, "\uFEFFlist\n".getBytes(StandardCharsets.UTF_16LE));
        int code = Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("script", f.toString());
        assertEquals(2, code);
        assertEquals(f + ":1:1: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8\n", err.toString());
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
        assertTrue(err.toString().contains(file() + ":4:14: compile error: incompatible types: int cannot be converted to java.lang.String"), err.toString());
        assertFalse(out.toString().contains("meros> list"), out.toString());
    }

    @Test
    void snippetExceptionFails() throws Exception {
        int code = run("1 + 1\nthrow new IllegalStateException(\"boom\")\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: java.lang.IllegalStateException: boom"), err.toString());
    }

    @Test
    void anExceptionInsideAnIfBlockNamesTheLineThatThrew() throws Exception {
        int code = run("int a = 1;\nif (a == 1) {\n    throw new IllegalStateException(\"boom\");\n}\nlist\n");
        assertEquals(1, code);
        assertEquals(file() + ":3: java.lang.IllegalStateException: boom", lastLine(err.toString()));
        assertFalse(out.toString().contains("meros> list"), out.toString());
    }

    @Test
    void anExceptionInsideAMultiLineCallNamesTheLineOfTheFailingArgument() throws Exception {
        int code = run("int a = 1;\nString s = String.join(\",\",\n    \"a\",\n    String.valueOf(Integer.parseInt(\"two\")));\n");
        assertEquals(1, code);
        assertEquals(file() + ":4: java.lang.NumberFormatException: For input string: \"two\"", lastLine(err.toString()));
    }

    @Test
    void anExceptionFromAMethodDeclaredAboveNamesTheLineThatCalledIt() throws Exception {
        int code = run("""
                void fail(String why) {
                    throw new IllegalStateException(why);
                }
                for (int i = 0; i < 3; i++) {
                    System.out.println("i=" + i);
                    if (i == 2) fail("at two");
                }
                """);
        assertEquals(1, code);
        assertEquals(file() + ":6: java.lang.IllegalStateException: at two", lastLine(err.toString()));
        assertTrue(out.toString().contains("i=2"), out.toString());
    }

    @Test
    void aCompileErrorOnTheThirdLineOfAVariableSnippetNamesThatLine() throws Exception {
        int code = run("int a = 1;\nvar r = List.of(a,\n    2,\n    \"x\".foo());\nlist\n");
        assertEquals(1, code);
        assertTrue(lastLine(err.toString()).startsWith(file() + ":4:5: compile error: cannot find symbol"), err.toString());
    }

    @Test
    void aLineStartingWithADotContinuesTheStreamChainAboveIt() throws Exception {
        int code = run("""
                var l = java.util.List.of(1, 2, 3);
                var r = l.stream()

                    // doubled
                    .map(x -> x * 2)
                    .toList();
                System.out.println("r=" + r)
                """);
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("r=[2, 4, 6]"), out.toString());
        assertTrue(out.toString().contains("meros> var r = l.stream()\n   ...> \n   ...>     // doubled\n   ...>     .map(x -> x * 2)\n"),
                out.toString());
    }

    @Test
    void anExceptionInAContinuedChainNamesTheLineOfTheLambda() throws Exception {
        int code = run("""
                var l = java.util.List.of(1, 2, 3);
                var r = l.stream()
                    .filter(x -> x > 0)

                    .map(x -> 10 / (x - 2))
                    .toList();
                """);
        assertEquals(1, code);
        assertEquals(file() + ":5: java.lang.ArithmeticException: / by zero", lastLine(err.toString()));
    }

    @Test
    void aContinuationAfterAFinishedStatementFailsOnItsOwnLine() throws Exception {
        int code = run("var l = java.util.List.of(1, 2, 3);\nvar r = l.stream();\n\n    .map(x -> x * 2);\nlist\n");
        assertEquals(1, code);
        assertEquals(file() + ":4:5: compile error: illegal start of expression", lastLine(err.toString()));
        assertFalse(out.toString().contains("meros> list"), out.toString());
    }

    @Test
    void onlyADotAndAnIdentifierStartContinueASnippet() {
        assertEquals(2, ScriptRunner.continuation(List.of("a()", "", "  .b()"), 1));
        assertEquals(3, ScriptRunner.continuation(List.of("a()", "// c", "", "\t.b()"), 1));
        assertEquals(-1, ScriptRunner.continuation(List.of("a()", "...", ".b()"), 1));
        assertEquals(-1, ScriptRunner.continuation(List.of("a()", ".5"), 1));
        assertEquals(-1, ScriptRunner.continuation(List.of("a()", "b()", ".c()"), 1));
        assertEquals(-1, ScriptRunner.continuation(List.of("a()", ""), 1));
    }

    private static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void anUnfinishedSnippetNamesWhatIsNotClosed() throws Exception {
        int code = run("int a = 1;\nint g( {\nint b = 2;\nlist\n");
        assertEquals(1, code);
        assertEquals(file() + ":2: unfinished Java snippet at end of file: '(' opened at 2:6 is not closed\n", err.toString());
        assertEquals("", ScriptRunner.unclosed("int x = 1;", 0));
        assertEquals(": '{' opened at 1:10 is not closed", ScriptRunner.unclosed("void f() { String s = \"{(\"; // )\n", 0));
        assertEquals(": a string opened at 3:9 is not closed", ScriptRunner.unclosed("x\ny\nvar s = \"abc", 0));
        assertEquals(": a text block opened at 1:9 is not closed", ScriptRunner.unclosed("var s = \"\"\"\n  text\n", 0));
        assertEquals(": a comment opened at 2:1 is not closed", ScriptRunner.unclosed("int y;\n/* note", 0));
    }

    @Test
    void unfinishedSnippetAtEndOfFileFails() throws Exception {
        int code = run("list\nvoid f() {\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: unfinished Java snippet at end of file"), err.toString());
    }

    @Test
    void aMistypedCommandIsAnUnknownCommandNotADeclaration() throws Exception {
        int code = run("shutdwn lab\nvalidat lab\n");
        assertEquals(1, code);
        assertEquals(file() + ":1: unknown command 'shutdwn' (did you mean shutdown?)\n", err.toString());
        assertEquals("meros> shutdwn lab\n", out.toString()); // one line, nothing declared, nothing after it run
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "start lab   | unknown command 'start' (did you mean init?)",
            "up lab      | unknown command 'up' (did you mean init?)",
            "up          | unknown command 'up' (did you mean init?)",
            "halt lab    | unknown command 'halt' (did you mean shutdown?)",
            "ssh lab web | unknown command 'ssh' (did you mean connect?)",
            "status      | unknown command 'status' (did you mean info?)",
            "cp a.txt b  | unknown command 'cp' (did you mean push or pull?)",
    })
    void habitsFromOtherToolsNameTheMerosCommand(String line, String message) throws Exception {
        int code = run("list\n" + line + "\nlist\n");
        assertEquals(1, code);
        assertEquals(file() + ":2: " + message + "\n", err.toString());
        assertEquals(1, out.toString().split("meros> list", -1).length - 1, out.toString());
    }

    @Test
    void anUnknownCommandInTheMiddleOfJavaStopsThereAndLeavesNothingDeclared() throws Exception {
        int code = run("var lab = meros.constellation(\"lab\")\nshutdwn lab\n");
        assertEquals(1, code);
        assertTrue(err.toString().contains(file() + ":2: unknown command 'shutdwn' (did you mean shutdown?)"), err.toString());
        assertFalse(out.toString().contains("declared variable"), out.toString());
    }

    @Test
    void legitimateJavaStillPasses() throws Exception {
        int code = run("""
                var x = 1
                String s = "a"
                int n
                var lab = meros.constellation("lab")
                Machine web = lab.vm("web")
                Map<String, List<Integer>> sizes = new HashMap<>()
                List<String> names = meros.list()
                lab
                x
                System.out.println("ok " + x + s + n + web.name() + sizes + names)
                """);
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("ok 1a0web{}[demo, lab]"), out.toString());
    }

    @Test
    void methodsAndClassesMayNameWhatLaterLinesDeclare() throws Exception {
        int code = run("""
                void hello() { System.out.println(greeting() + " " + new Later().name()); }
                Later make() { return new Later(); }
                String greeting() { return "hi"; }
                class Later { String name() { return "later"; } }
                hello()
                System.out.println("made " + make().name())
                """);
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("hi later\n"), out.toString());
        assertTrue(out.toString().contains("made later\n"), out.toString());
    }

    @Test
    void aVariableWhoseTypeDoesNotExistYetFailsItsLine() throws Exception {
        // JShell accepts a declaration without initializer whose type does not exist yet; any other use of such a
        // type is a compile error anyway
        int code = run("int before = 1\nFoo x;\nclass Foo { }\nSystem.out.println(\"not reached\")\n");
        assertEquals(1, code);
        assertEquals("error: variable x cannot be defined: class Foo does not exist (a script declares what a variable "
                + "names above it)\n" + file() + ":2: variable x cannot be defined: class Foo does not exist (a script "
                + "declares what a variable names above it)\n", err.toString());
        assertFalse(out.toString().contains("not reached"), out.toString());
        assertFalse(out.toString().contains("declared variable"), out.toString());
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(1, run("List<Later> items\n"));
        assertTrue(err.toString().contains(file() + ":1: variable items cannot be defined: class Later does not exist"), err.toString());
    }

    @Test
    void aMethodMayNameInAGenericTypeAClassALaterLineDeclares() throws Exception {
        assertEquals(0, run("List<Later> all() { return List.of(new Later()); }\nclass Later { }\nall().size()\n"), err.toString());
        assertTrue(out.toString().contains("==> 1"), out.toString());
    }

    @Test
    void mainRunsTheMistypedScriptToExitOne() throws Exception {
        Path f = home.resolve("t.jsh");
        Files.writeString(f, "shutdwn lab\nvalidat lab\n");
        String before = System.getProperty("meros.home");
        System.setProperty("meros.home", home.toString());
        try {
            assertEquals(1, (int) assertTimeoutPreemptively(ShellFixture.TIMEOUT, () -> Main.run(new String[] {f.toString()})));
        } finally {
            if (before == null) System.clearProperty("meros.home");
            else System.setProperty("meros.home", before);
        }
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
