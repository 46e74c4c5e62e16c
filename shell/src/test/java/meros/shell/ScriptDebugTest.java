package meros.shell;

import meros.cli.Cli;
import org.jline.terminal.Size;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code script --debug}: at the failing line the {@code meros>} shell opens over the script's own JShell, driven
 * headless here through a DumbTerminal (real readLine loop, real JShell).
 */
class ScriptDebugTest {
    @TempDir Path home;
    ShellFixture fx;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    /** What each debug shell printed, in order. */
    final List<String> shells = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fx = new ShellFixture(home);
    }

    private Path script(String text) throws Exception {
        Path f = home.resolve("t.jsh");
        Files.writeString(f, text);
        return f;
    }

    /** A one-shot runner (own evaluator) whose debug shell is a REPL over a DumbTerminal typing {@code input}. */
    private int runOneShot(Path f, boolean debug, String input) {
        ScriptRunner runner = new ScriptRunner(null, fx::tree, (meros, evaluator, commands) -> {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            try (DumbTerminal t = new DumbTerminal("test", "ansi",
                    new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), o, StandardCharsets.UTF_8)) {
                t.setSize(new Size(160, 50));
                new Repl(t, meros, home.resolve("data/history"), false, commands, evaluator).run();
                t.writer().flush();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            shells.add(o.toString(StandardCharsets.UTF_8).replace("\r", ""));
        });
        return assertTimeoutPreemptively(ShellFixture.TIMEOUT, () ->
                runner.run(fx.meros, f, new PrintWriter(out, true), new PrintWriter(err, true), debug));
    }

    private static void contains(String text, String expected) {
        assertTrue(text.contains(expected), () -> "expected <" + expected + "> in:\n" + text);
    }

    @Test
    void compileErrorOpensTheShellWithTheScriptsVariables() throws Exception {
        Path f = script("""
                String greeting = "hello"
                var box = new StringBuilder("box")
                list
                int broken = "x"
                System.out.println("not reached")
                """);
        int code = runOneShot(f, true, "greeting + \" \" + box\nbox.append(\"!\")\nlist\nexit\nSystem.out.println(\"after exit\")\n");
        assertEquals(1, code);
        contains(err.toString(), f + ":4:14: compile error: incompatible types: java.lang.String cannot be converted to int");
        contains(out.toString(), "script stopped at " + f + ":4;");
        assertEquals(1, shells.size());
        String shell = shells.get(0);
        contains(shell, "\"hello box\"");     // the script's variables, same JShell
        contains(shell, "==> box!");          // live objects, not copies
        contains(shell, "demo\nlab\n");       // commands work in the debug shell
        assertFalse(shell.contains("after exit"), shell);             // exit left the shell
        assertFalse(out.toString().contains("not reached"), out.toString()); // and the script did not go on
    }

    @Test
    void exceptionInAMultiLineSnippetOpensTheShellAtItsLine() throws Exception {
        Path f = script("""
                int answer = 42
                void check(int n) {
                    if (n > 0) throw new IllegalStateException("too big: " + n);
                }
                check(answer)
                """);
        int code = runOneShot(f, true, "answer + 1\n");  // end of input leaves the shell too
        assertEquals(1, code);
        contains(err.toString(), f + ":5: ");
        contains(err.toString(), "too big: 42");
        assertEquals(1, shells.size());
        contains(shells.get(0), "==> 43");
    }

    @Test
    void failingCommandBeforeAnyJavaStillOpensAWorkingShell() throws Exception {
        Path f = script("list\nscript no-such-file.jsh\n");
        int code = runOneShot(f, true, "6 * 7\n");
        assertEquals(1, code);
        contains(err.toString(), f + ":2: 'script no-such-file.jsh' exited with status 2");
        contains(shells.get(0), "==> 42");
    }

    @Test
    void anUnknownCommandOpensTheShellLikeAnyFailingLine() throws Exception {
        Path f = script("int answer = 42\nshutdwn lab\nint never = 1\n");
        int code = runOneShot(f, true, "answer + 1\nlab\n");
        assertEquals(1, code);
        assertEquals(f + ":2: unknown command 'shutdwn' (did you mean shutdown?)\n", err.toString());
        contains(out.toString(), "script stopped at " + f + ":2;");
        contains(shells.get(0), "==> 43");
        contains(shells.get(0), "unknown command 'lab'"); // nothing named lab was declared
    }

    @Test
    void withoutDebugOrWithoutFailureNoShellOpens() throws Exception {
        Path bad = script("int a = 1\nint b = \"x\"\n");
        assertEquals(1, runOneShot(bad, false, "exit\n"));
        Path good = script("int a = 1\nlist\n");
        assertEquals(0, runOneShot(good, true, "exit\n"));
        assertEquals(List.of(), shells);
        assertFalse(out.toString().contains("script stopped"), out.toString());
    }

    @Test
    void debugBeforeTheCommandIsOnlyVerbose() throws Exception {
        // "meros --debug script F" (and a shell started with -v) shows stack traces but opens no shell
        Path f = script("int a = 1\nint b = \"x\"\n");
        int code = assertTimeoutPreemptively(ShellFixture.TIMEOUT, () ->
                Cli.create(fx.meros, new PrintWriter(out, true), new PrintWriter(err, true)).execute("--debug", "script", f.toString()));
        assertEquals(1, code);
        contains(err.toString(), f + ":2:9: compile error");
        assertFalse(out.toString().contains("script stopped"), out.toString());
    }

    @Test
    void insideTheShellExitReturnsToTheOuterShellWithTheScriptsVariables() throws Exception {
        Path f = script("int answer = 42\nthrow new IllegalStateException(\"boom\")\nint never = 1\n");
        String o = fx.repl("script --debug " + f + "\nanswer + 1\nexit\nanswer * 2\nnever + 1\n");
        contains(o, f + ":2: ");
        contains(o, "boom");
        contains(o, "script stopped at " + f + ":2;");
        contains(o, "==> 43");   // in the debug shell
        contains(o, "==> 84");   // back in the outer shell after exit: same session
        contains(o, "cannot find symbol");  // the line after the failure never ran
    }
}
