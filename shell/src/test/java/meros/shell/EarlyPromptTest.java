package meros.shell;

import meros.core.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prompt drawn before the line editor ({@link EarlyPrompt}), in a real pseudo-terminal (util-linux
 * {@code script}). The input is typed before the JVM starts, so it sits in the terminal driver through the hand-over:
 * it must reach the shell, and the screen must not show its line twice.
 */
class EarlyPromptTest {
    @TempDir Path root;

    private String shell(String input, String... jvmOptions) {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dmeros.home=" + root));
        java.addAll(List.of(jvmOptions));
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        String command = java.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        // script(1) takes one command line for sh -c: each word quoted above, none from outside the test
        Proc.Result r = Proc.of("script", "-qec", command, "/dev/null").env("TERM", "xterm-256color")
                .stdin(input).timeout(ShellFixture.TIMEOUT).call();
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        return r.stdout();
    }

    @Test
    void thePromptComesBeforeTheLineEditorAndTypedInputReachesTheShell() {
        String out = shell("1+1\nexit\n");
        assertTrue(out.contains("==> 2"), out);
        int prompt = out.indexOf(Repl.PROMPT);
        int firstEscape = out.indexOf('\033');
        assertTrue(prompt >= 0 && firstEscape > prompt, "the prompt before JLine's first control sequence: " + out);
        // typed before the JVM started, the line was echoed by the terminal driver above the prompt; the input held
        // from then on was not: the cursor goes back over the early prompt on its own line
        assertTrue(out.substring(prompt).startsWith(Repl.PROMPT + "\033[7D"), out);
    }

    @Test
    void withoutItJLineDrawsThePrompt() {
        String out = shell("1+1\nexit\n", "-D" + EarlyPrompt.PROPERTY + "=false");
        assertTrue(out.contains("==> 2"), out);
        assertTrue(out.indexOf('\033') < out.indexOf(Repl.PROMPT), "JLine's set-up comes first: " + out);
    }

    @Test
    void theHandOverGoesUpOnlyWhenAFinishedLineWaits() throws IOException {
        assertEquals(0, EarlyPrompt.available(new ByteArrayInputStream(new byte[0])));
        assertEquals(4, EarlyPrompt.available(new ByteArrayInputStream("1+1\n".getBytes(StandardCharsets.UTF_8))));
        try (Terminal t = TerminalBuilder.builder().system(false).type("xterm-256color").encoding(StandardCharsets.UTF_8)
                .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()).build()) {
            assertEquals("\033[7D", EarlyPrompt.handOverSequence(t, false, 7), "back over the prompt's 7 columns, on its line");
            assertEquals("\033[9D", EarlyPrompt.handOverSequence(t, false, 9), "and over what was echoed after it");
            assertEquals("\033[A\r", EarlyPrompt.handOverSequence(t, true, 7), "a line finished with Enter: up to it first");
        }
    }

    /** The line JLine reads from {@code typed}, with or without the normal-mode cursor keys bound. */
    private static String readLine(String typed, boolean bound) throws IOException {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        keys.write(typed.getBytes(StandardCharsets.UTF_8)); // left open, as a terminal's input is
        try (keys; Terminal t = TerminalBuilder.builder().system(false).type("xterm-256color").encoding(StandardCharsets.UTF_8)
                .streams(in, new ByteArrayOutputStream()).build()) {
            LineReader r = LineReaderBuilder.builder().terminal(t).build();
            if (bound) Repl.bindCursorKeysInBothModes(r);
            return r.readLine("> ");
        }
    }

    @Test
    void arrowKeysTypedBeforeTheEditorIsUpMoveTheCursor() throws IOException {
        // a terminal outside keypad-transmit mode (before JLine's first line) sends ESC [ D for the left arrow
        assertEquals("acb", readLine("ab\033[Dc\n", true));
        assertEquals("acb", readLine("ab\033ODc\n", true), "the keypad-transmit form still works");
        assertEquals("ab", readLine("ab\033[D\033[C\n", true));
        assertNotEquals("acb", readLine("ab\033[Dc\n", false), "JLine alone reads ESC [ D as other keys");
    }

    @Test
    void onlyTheInteractiveShellGetsIt() {
        assertTrue(EarlyPrompt.opensShell(new String[0]));
        assertTrue(EarlyPrompt.opensShell(new String[] {"-v"}));
        assertFalse(EarlyPrompt.opensShell(new String[] {"list"}));
        assertFalse(EarlyPrompt.opensShell(new String[] {"-v", "demo.jsh"}));
        // not a terminal (the test's own streams are pipes): nothing is drawn
        assertFalse(EarlyPrompt.onTerminal());
        assertFalse(EarlyPrompt.show(new String[0]));
    }
}
