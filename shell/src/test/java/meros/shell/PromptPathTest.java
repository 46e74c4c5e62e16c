package meros.shell;

import meros.core.base.ExitCode;
import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the shell loads before its first prompt: JLine's line reader, but none of what only later lines need (the
 * command tree, JShell and javac, the manifest and JSON libraries, SSH). Each of them costs start-up time when it is
 * loaded before the prompt. The shell runs in a child JVM logging every class it loads to the same output as the
 * prompt, in the order they happen.
 */
class PromptPathTest {
    /** Packages the prompt must not wait for. */
    static final List<String> LATER = List.of("picocli.", "jdk.jshell.", "com.sun.tools.javac.", "org.yaml.snakeyaml.",
            "com.fasterxml.jackson.", "net.schmizz.", "org.bouncycastle.");

    @TempDir Path root;

    @Test
    void nothingOnlyLaterLinesNeedIsLoadedBeforeThePrompt() {
        Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xlog:class+load=info:stdout",
                        "-Dmeros.home=" + root, "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .stdin("exit\n").timeout(ShellFixture.TIMEOUT).call();
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        String out = r.stdout();
        int prompt = out.indexOf(Repl.PROMPT);
        assertTrue(prompt > 0, out);
        List<String> before = out.substring(0, prompt).lines().filter(l -> l.contains("[class,load]")).toList();
        assertTrue(before.stream().anyMatch(l -> l.contains(" org.jline.reader.impl.LineReaderImpl ")), String.join("\n", before));
        List<String> early = before.stream().filter(l -> LATER.stream().anyMatch(p -> l.contains("] " + p))).toList();
        assertEquals(List.of(), early, "loaded before the prompt");
        // and the log goes on after it: the command tree loads when `exit` runs
        assertTrue(out.substring(prompt).contains("] picocli.CommandLine "), out.substring(prompt));
    }

    @Test
    void theShellStartsOnAPipeWithoutLoggingAnything() {
        Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + root,
                        "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .stdin("1+1\nexit\n").timeout(ShellFixture.TIMEOUT).call();
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("==> 2"), r.stdout());
        assertEquals("", r.stderr());
    }

    /** Without {@code -ea} (as {@code ./meros} starts the JVM), a script's {@code assert} is still checked. */
    @Test
    void anAssertInAScriptIsCheckedWithoutEa() throws Exception {
        Path script = Files.writeString(root.resolve("a.jsh"), "int a = 1;\nassert a == 2 : \"nope\";\nSystem.out.println(\"after\");\n");
        Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-da", "-Dmeros.home=" + root,
                        "-cp", System.getProperty("java.class.path"), Main.class.getName(), script.toString())
                .timeout(ShellFixture.TIMEOUT).call();
        assertEquals(ExitCode.FAILED.code, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stderr().endsWith(script + ":2: java.lang.AssertionError: nope\n"), r.stderr());
        assertTrue(!r.stdout().contains("after"), r.stdout());
    }

    @Test
    void aPipedSessionExitsWithItsLastLinesCode() {
        Proc.Result r = Proc.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dmeros.home=" + root,
                        "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .stdin("list\ninfo nosuch\n").timeout(ShellFixture.TIMEOUT).call();
        assertEquals(ExitCode.USAGE.code, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("nosuch"), r.stdout());
    }
}
