import jdk.jshell.JShell;
import jdk.jshell.SnippetEvent;

/**
 * The reference scripts/bench/repl measures the shell's first Java result against: JShell alone in a JVM with the
 * launcher's options and a class-data archive of its own, no prompt, no line editor, no meros. It builds JShell
 * (executing in this JVM, as the shell does), evaluates {@code 1+1}, prints the value and exits.
 */
public final class JShellAlone {
    private JShellAlone() { }

    public static void main(String[] args) {
        try (JShell js = JShell.builder().executionEngine("local").build()) {
            for (SnippetEvent e : js.eval("1+1")) System.out.println(e.value());
            System.out.flush();
        }
    }
}
