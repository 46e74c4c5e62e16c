package meros.shell;

import meros.core.base.ExitCode;
import org.jline.terminal.Terminal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REPL driven headless through a DumbTerminal: real readLine loop, real completion, real JShell. */
class ReplTest {
    @TempDir Path home;
    ShellFixture fx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ShellFixture(home);
        Bindings.put("note", null);
    }

    private static void contains(String out, String expected) {
        assertTrue(out.contains(expected), () -> "expected output to contain <" + expected + "> but was:\n" + out);
    }

    @Test
    void everyCommandAnswersHelpOptionsInTheShell() throws Exception {
        String out = fx.repl("init --help\nsnapshot -h\nexit --help\nscript -h\n1+1\n");
        contains(out, "Usage: meros init ");
        contains(out, "Usage: meros snapshot ");
        contains(out, "Usage: meros exit ");
        contains(out, "Usage: meros script ");
        assertFalse(out.contains("Missing required parameter"), out);
        contains(out, "==> 2"); // the shell goes on after each
    }

    /** A usage error in the shell is the same one line as in a one-shot run, with no "Try ..." line. */
    @Test
    void aUsageErrorIsOneLineInTheShell() throws Exception {
        String out = fx.repl("pause demo\nvalidate\n");
        contains(out, "error: Missing required parameter: '<vm>' ('meros pause --help' shows its usage)\n");
        contains(out, "error: Missing required parameter: '<constellation>' ('meros validate --help' shows its usage)\n");
        assertFalse(out.contains("for more information"), out);
    }

    @Test
    void longValuesAreShortenedWithAWayToSeeThemAll() throws Exception {
        String out = fx.repl("var s = \"x\".repeat(300000)\ns.length()\nSystem.out.println(s.substring(0, 3) + s.length())\n"
                + "\"\\uD83D\\uDE00\".repeat(600)\n");
        contains(out, "s ==> \"" + "x".repeat(JShellEvaluator.MAX_VALUE - 1) + " ... (300002 characters; System.out.println(s) shows all)\n");
        contains(out, "==> 300000\n");
        contains(out, "xxx300000\n");
        contains(out, "(602 characters; System.out.println($");
        assertTrue(out.length() < 5000, "the 300 KB value was not echoed: " + out.length() + " characters");
        assertFalse(out.contains("\uFFFD"), "no emoji cut in half");
    }

    @Test
    void seeingAllOfALongValuePrintsItWhole() {
        String v = "y".repeat(JShellEvaluator.MAX_VALUE + 10);
        assertEquals(v.substring(0, JShellEvaluator.MAX_VALUE) + " ... (" + v.length() + " characters; System.out.println(v) shows all)",
                JShellEvaluator.value("v", v));
        assertEquals("short", JShellEvaluator.value("v", "short"));
    }

    @Test
    void coreClassesByFullAndSimpleNamesDespiteTheMerosVariable() throws Exception {
        String out = fx.repl("meros.core.net.NftRules.tableName(\"team-lab\")\nNftRules.tableName(\"team.lab\")\n"
                + "String q = \"meros.core.net.NftRules\" // meros.core.net.NftRules in a comment\n"
                + "meros.core.manifest.Vm.Accel.TCG\n"
                + "meros.core.kernel.BuildTools.class.getName()\nmeros.core.image.BuildTools.class.getName()\n"
                + "import meros.core.qmp.QmpClient;\nQmpClient.DEFAULT_TIMEOUT\nmeros.list()\n");
        contains(out, "==> \"meros_team_hlab\"\n");
        contains(out, "==> \"meros_team_dlab\"\n");
        contains(out, "q ==> \"meros.core.net.NftRules\"\n");
        contains(out, "==> TCG\n");
        contains(out, "==> \"meros.core.kernel.BuildTools\"\n");
        contains(out, "==> \"meros.core.image.BuildTools\"\n");
        contains(out, "==> PT10S\n");
        contains(out, "==> [demo, lab]\n");
        assertFalse(out.contains("error"), out);
    }

    @Test
    void twoCoreClassesOfOneSimpleNameInOneLineAreRefusedSayingWhy() throws Exception {
        String out = fx.repl("meros.core.kernel.BuildTools.class.getName() + meros.core.image.BuildTools.class.getName()\n1+1\n");
        contains(out, "error: meros.core.kernel.BuildTools and meros.core.image.BuildTools in one snippet: Java lines cannot tell them apart "
                + "while the variable meros hides the package meros; use them in separate lines\n");
        contains(out, "==> 2\n");
    }

    @Test
    void tabCompletesCommandNames() throws Exception {
        String out = fx.repl("li\t\n");
        contains(out, "meros> list");
        contains(out, "demo\nlab\n");
    }

    @Test
    void tabCompletesConstellationNamesForPositionals() throws Exception {
        String out = fx.repl("probe d\t\n");
        contains(out, "probe c=demo vm=null");
    }

    @Test
    void tabCompletesVmNamesOfTheTypedConstellation() throws Exception {
        String out = fx.repl("probe lab \t\nprobe demo o\t\n");
        contains(out, "probe c=lab vm=web");
        contains(out, "probe c=demo vm=other");
    }

    @Test
    void tabCompletesJavaOnceJShellIsReady() throws Exception {
        // the first line waits for JShell; the completion of the second then has an engine to ask
        String out = fx.repl("1+1\nString greeting = \"hi\"\ngreet\t.length()\n");
        contains(out, "$1 ==> 2");
        contains(out, "==> 2\n");
        assertTrue(out.contains("greeting.length()"), out);
    }

    @Test
    void aSecondTabShowsTheJavadocOfTheCoreApi() throws Exception {
        // the first line waits for JShell; then Tab twice after the open parenthesis, as in jshell
        String out = fx.repl("Machine box = null\nbox.waitForUnit(\t\t\n");
        contains(out, "void Machine.waitForUnit(String unit)\nvoid Machine.waitForUnit(String unit, Duration timeout)\n"
                + ShellCompleter.TAB_AGAIN);
        contains(out, "void Machine.waitForUnit(String unit)\n  waitForUnit(String, Duration) with the default 120 s.");
        contains(out, "Waits until the systemd unit is active, checked about once a second.");
        contains(out, "(LoadState=not-found,");
        contains(out, "@throws meros.core.wait.WaitFailed");
        String events = fx.repl("Machine box = null\nbox.waitForEvent(\t\t\n");
        contains(events, "QmpEvent Machine.waitForEvent(String name, Duration timeout)\n  Waits for the next QMP event called name");
    }

    @Test
    void aThreadASnippetStartedDoesNotHoldUpLaterSnippets() throws Exception {
        // JDK 17's LocalExecutionControl joins every thread of its group: a server started by one snippet hung the next
        String out = fx.repl("var t = new Thread(() -> { try { Thread.sleep(600_000); } catch (InterruptedException e) { } })\n"
                + "t.start()\n"
                + "t.isAlive()\n"
                + "40 + 2\n");
        contains(out, "==> true");
        contains(out, "==> 42");
    }

    @Test
    void commandWordsRunCommandsAndEverythingElseIsJava() throws Exception {
        String out = fx.repl("list\nint list = 5\nlist + 1\n;list\n/list\nString doctor = \"abc\"\ndoctor.length()\n");
        assertEquals(2, out.split("demo\nlab\n", -1).length - 1, out); // "list" and "/list" ran the command
        contains(out, "list ==> 5");
        contains(out, "==> 6");
        contains(out, "==> 3");
    }

    @Test
    void mistypedAndForeignCommandsAreUnknownCommandsNotDeclarations() throws Exception {
        String out = fx.repl("shutdwn lab\nvalidat lab\nstart lab\nup lab\nup\nhalt lab\nssh lab web\nstatus\n40 + 2\n");
        contains(out, "error: unknown command 'shutdwn' (did you mean shutdown?)\n");
        contains(out, "error: unknown command 'validat' (did you mean validate?)\n");
        contains(out, "error: unknown command 'start' (did you mean init?)\n");
        assertEquals(2, out.split("error: unknown command 'up' \\(did you mean init\\?\\)\n", -1).length - 1, out);
        contains(out, "error: unknown command 'halt' (did you mean shutdown?)\n");
        contains(out, "error: unknown command 'ssh' (did you mean connect?)\n");
        contains(out, "error: unknown command 'status' (did you mean info?)\n");
        assertFalse(out.contains("declared variable"), out);
        contains(out, "==> 42"); // the shell goes on
    }

    @Test
    void anUnknownCommandLeavesTheSessionAsItWas() throws Exception {
        String out = fx.repl("var lab = 3\nshutdwn lab\nlab + 1\nshutdwn web\nweb = 1\n");
        contains(out, "error: unknown command 'shutdwn' (did you mean shutdown?)\n");
        contains(out, "==> 4"); // lab was not replaced by a variable of type shutdwn
        contains(out, "cannot find symbol; symbol: variable web"); // and no half-declared web was left
    }

    @Test
    void javaWithUnresolvedCapitalisedTypesAndNamedLowercaseThingsStaysJava() throws Exception {
        String out = fx.repl("""
                Foo x;
                int n
                var lab = meros.constellation("lab")
                Machine web = lab.vm("web")
                lab
                class tool { int size() { return 7; } }
                tool t = new tool()
                t.size()
                ;shutdwn later
                """);
        contains(out, "declared variable x of type Foo (it cannot be used until class Foo exists)\n");
        contains(out, "n ==> 0\n");
        contains(out, "web ==> ");
        contains(out, "created class tool\n");
        contains(out, "==> 7\n");
        contains(out, "declared variable later of type shutdwn (it cannot be used until class shutdwn exists)\n");
        assertFalse(out.contains("unknown command"), out);
    }

    @Test
    void javaOperatorsReachJShellNotAShellPipeline() throws Exception {
        String out = fx.repl("int a = 6 | 1\na > 2 && a < 10\n\"x#y\\\\z\"\n");
        contains(out, "a ==> 7");
        contains(out, "==> true");
        contains(out, "==> \"x#y\\\\z\"");
    }

    @Test
    void multiLineJavaContinuesUntilTheSnippetIsComplete() throws Exception {
        String out = fx.repl("int sq(int x) {\n  return x * x;\n}\nsq(7)\n");
        contains(out, "   ...> ");
        contains(out, "created method sq(int)");
        contains(out, "==> 49");
    }

    @Test
    void snippetsAndCommandsShareLiveObjects() throws Exception {
        String out = fx.repl("""
                Bindings.put("seen", meros)
                StringBuilder n = new StringBuilder("java")
                Bindings.put("note", n)
                note
                n.toString()
                """);
        assertSame(fx.meros, Bindings.get("seen"), "the snippet's meros is the instance the commands use");
        contains(out, "note=java+command");
        contains(out, "==> \"java+command\""); // the command changed the snippet's object
    }

    @Test
    void snippetSeesTheConstellationHandleTheCoreHandsOut() throws Exception {
        String out = fx.repl("""
                Bindings.put("c", meros.constellation("demo"))
                meros.constellation("demo").vms().size()
                """);
        contains(out, "==> 2");
        assertSame(fx.meros.constellation("demo"), Bindings.get("c"));
    }

    @Test
    void compileErrorsAndExceptionsAreShownAndTheShellGoesOn() throws Exception {
        String out = fx.repl("""
                nosuchVariable + 1
                throw new IllegalStateException("boom")
                Integer.parseInt("x")
                System.exit(3)
                40 + 2
                """);
        contains(out, "error at 1:1: cannot find symbol; symbol: variable nosuchVariable");
        contains(out, "java.lang.IllegalStateException: boom\n    at (#");
        contains(out, "java.lang.NumberFormatException: For input string: \"x\"");
        assertFalse(out.contains("java.base/java.lang.Integer.parseInt"), "only snippet frames without --debug:\n" + out);
        contains(out, "java.lang.SecurityException: System.exit(3) is not allowed in a snippet");
        contains(out, "==> 42");
    }

    @Test
    void anExceptionsMessageKeepsItsLinesAndLosesTerminalControls() throws Exception {
        // a wait's failure with a guest's serial lines: a cursor-position query the terminal would answer, a title
        String out = fx.repl("""
                throw new IllegalStateException("box: gave up\\nlast serial lines:\\n  \\u001B[6n\\u001B]0;t\\u0007login: ")
                """);
        contains(out, "java.lang.IllegalStateException: box: gave up\nlast serial lines:\n  login:\n    at (#");
        assertFalse(out.contains("\u001B[6n") || out.contains("\u0007"), out);
    }

    @Test
    void commandErrorsPrintOneLine() throws Exception {
        String out = fx.repl("probe\nlist\n");
        contains(out, "error: Missing required parameter: '<constellation>'");
        contains(out, "demo\nlab\n");
    }

    @Test
    void ctrlDLeavesTheShell() throws Exception {
        String out = fx.repl("1+1\n\u0004list\n", true);
        contains(out, "$1 ==> 2");
        assertFalse(out.contains("demo\nlab"), "nothing after Ctrl-D may run:\n" + out);
    }

    @Test
    void exitLeavesTheShell() throws Exception {
        String out = fx.repl("exit\nlist\n");
        assertFalse(out.contains("demo\nlab"), out);
    }

    @Test
    void theSessionEndsWithTheLastLinesExitCodeAsShDoes() throws Exception {
        fx.repl("list\n");
        assertEquals(0, fx.exitCode);
        fx.repl("list\nprobe\n"); // a usage error last
        assertEquals(ExitCode.USAGE.code, fx.exitCode);
        fx.repl("list\nthrow new IllegalStateException(\"x\")\n"); // a failing snippet last
        assertEquals(ExitCode.FAILED.code, fx.exitCode);
        fx.repl("int x = \"s\";\n"); // a compile error last
        assertEquals(ExitCode.FAILED.code, fx.exitCode);
        fx.repl("probe\nlist\n"); // a failure followed by a success
        assertEquals(0, fx.exitCode);
        fx.repl("probe\n1+1\n");
        assertEquals(0, fx.exitCode);
        fx.repl("");
        assertEquals(0, fx.exitCode);
    }

    @Test
    void exitLeavesWithItsCodeOrElseThatOfTheLineBefore() throws Exception {
        fx.repl("probe\nexit\nlist\n");
        assertEquals(ExitCode.USAGE.code, fx.exitCode);
        fx.repl("probe\nquit\n");
        assertEquals(ExitCode.USAGE.code, fx.exitCode);
        fx.repl("list\nexit 3\n");
        assertEquals(3, fx.exitCode);
        fx.repl("probe\nexit 0\n");
        assertEquals(0, fx.exitCode);
        fx.repl("exit\n");
        assertEquals(0, fx.exitCode);
    }

    @Test
    void anExitCodeOutOfRangeIsAUsageErrorAndTheShellGoesOn() throws Exception {
        String out = fx.repl("exit 256\nexit -1\nexit x\nlist\n");
        contains(out, "error: exit code 256 is out of range: 0-255");
        contains(out, "error: exit code -1 is out of range: 0-255");
        contains(out, "'x' is not an int");
        contains(out, "demo\nlab\n");
        assertEquals(0, fx.exitCode);
    }

    @Test
    void ctrlCCancelsTheLineBeingTyped() throws Exception {
        String out = fx.repl("nosuch\u0003list\n");
        assertFalse(out.contains("nosuch ") || out.contains("variable nosuch"), out);
        contains(out, "demo\nlab\n");
    }

    @Test
    void ctrlCInterruptsARunningSnippet() throws Exception {
        Bindings.put("started", null);
        String out = fx.repl("""
                long n = 0
                while (true) { n++; Bindings.put("started", true); }
                n > 0
                """, false, t -> {
            long deadline = System.nanoTime() + ShellFixture.TIMEOUT.toNanos() / 2;
            while (Bindings.get("started") == null && System.nanoTime() < deadline) Thread.onSpinWait();
            t.raise(Terminal.Signal.INT);
        });
        contains(out, "interrupted");
        contains(out, "==> true"); // the shell went on, with the snippet's state
    }

    @Test
    void historyPersistsAcrossSessions() throws Exception {
        fx.repl("list\n6*7\n");
        Path history = home.resolve("data/history");
        assertTrue(Files.isRegularFile(history), "data/history created");
        String h = Files.readString(history);
        assertTrue(h.contains("list") && h.contains("6*7"), h);
        String out = fx.repl("\u0010\n"); // Ctrl-P: previous history entry
        contains(out, "==> 42");
    }
}
