package meros.shell;

import meros.cli.Cli;
import meros.cli.Completion;
import meros.core.base.Home;
import meros.core.Meros;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** A meros home in a temp directory, the production command tree plus two probe commands, and a headless REPL. */
final class ShellFixture {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    final Path root;
    final Meros meros;
    private final Path history;
    /** What the last {@link #repl} session's {@link Repl#run()} returned. */
    int exitCode = -1;

    /** A REPL over an existing meros home (nothing written there; history goes to {@code history}). */
    ShellFixture(Meros meros, Path history) {
        this.root = meros.home().root();
        this.meros = meros;
        this.history = history;
    }

    ShellFixture(Path root) throws IOException {
        this.root = root;
        this.history = root.resolve("data/history");
        Path demo = root.resolve("constellations/demo");
        Files.createDirectories(demo);
        Files.writeString(demo.resolve("demo.yml"), """
                virtual_machines:
                  box:
                    arch: x86_64
                    distribution: debian
                  other:
                    arch: x86_64
                    distribution: debian
                """);
        Files.createDirectories(root.resolve("constellations/lab"));
        Files.writeString(root.resolve("constellations/lab/lab.yml"), """
                virtual_machines:
                  web:
                    arch: x86_64
                    distribution: debian
                """);
        this.meros = new Meros(new Home(root));
    }

    /** The production tree plus {@code probe <constellation> <vm>} and {@code note} (prints a binding). */
    CommandLine tree(PrintWriter out, PrintWriter err) {
        CommandLine cl = Cli.create(meros, out, err);
        cl.addSubcommand("probe", new Probe());
        cl.addSubcommand("note", new Note());
        cl.setOut(out); // subcommands added after Cli.create need the writers too
        cl.setErr(err);
        return cl;
    }

    /** Runs a REPL over a DumbTerminal fed with {@code input}; returns everything it wrote. */
    String repl(String input) throws Exception {
        return repl(input, false);
    }

    /** With {@code ctrlDIsEof}, a ^D in the input ends the session (and the end of the input does not). */
    String repl(String input, boolean ctrlDIsEof) throws Exception {
        return repl(input, ctrlDIsEof, t -> { });
    }

    /** {@code during} runs on the test thread while the REPL runs (e.g. to raise a signal). */
    String repl(String input, boolean ctrlDIsEof, Consumer<Terminal> during) throws Exception {
        return repl(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), ctrlDIsEof, (t, o) -> during.accept(t));
    }

    /** Input from a stream the test may keep feeding; {@code during} sees the output written so far. */
    String repl(InputStream in, boolean ctrlDIsEof,
                BiConsumer<Terminal, ByteArrayOutputStream> during) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (DumbTerminal t = new DumbTerminal("test", "ansi", in, out, StandardCharsets.UTF_8)) {
            t.setSize(new Size(160, 50));
            // what a real tty's line discipline has: ^C raises SIGINT; ^D is end-of-file only when asked, since
            // the dumb terminal's default VEOF (-1) is what turns the end of the input stream into end-of-file
            Attributes a = t.getAttributes();
            a.setLocalFlag(Attributes.LocalFlag.ISIG, true);
            a.setControlChar(Attributes.ControlChar.VINTR, 3);
            // with ISIG on, every unset (-1) signal char would match the end of input and loop forever
            a.setControlChar(Attributes.ControlChar.VQUIT, 28);
            a.setControlChar(Attributes.ControlChar.VSUSP, 26);
            a.setControlChar(Attributes.ControlChar.VSTATUS, 20);
            if (ctrlDIsEof) a.setControlChar(Attributes.ControlChar.VEOF, 4);
            t.setAttributes(a);
            Repl repl = new Repl(t, meros, history, false, this::tree);
            Future<Integer> f = ex.submit(repl::run);
            during.accept(t, out);
            try {
                exitCode = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new AssertionError("the REPL did not finish within " + TIMEOUT + "; output so far:\n" + out);
            }
            t.writer().flush();
        } finally {
            ex.shutdownNow();
        }
        return out.toString(StandardCharsets.UTF_8).replace("\r", "");
    }

    @Command(name = "probe", description = "test: echo a constellation and a VM")
    static final class Probe implements Runnable {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = Completion.CONSTELLATION) String constellation;
        @Parameters(index = "1", paramLabel = Completion.VM, arity = "0..1") String vm;

        @Override
        public void run() {
            spec.commandLine().getOut().println("probe c=" + constellation + " vm=" + vm);
        }
    }

    @Command(name = "note", description = "test: print and extend the live object bound as 'note'")
    static final class Note implements Runnable {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Object n = Bindings.get("note");
            if (n instanceof StringBuilder sb) sb.append("+command");
            spec.commandLine().getOut().println("note=" + n);
        }
    }
}
