package meros.shell;

import meros.cli.Cli;
import meros.core.base.Home;
import meros.core.Meros;
import org.jline.nativ.OSInfo;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.jline.utils.InfoCmp;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;

/**
 * The entry point. {@code meros} alone opens the {@code meros>} shell; {@code meros COMMAND ...} runs one command
 * and exits with its code; {@code meros FILE.jsh} is {@code meros script FILE.jsh}. With
 * {@link OneShotInterrupts} (a repeated Ctrl-C), the only place that calls {@link System#exit}.
 */
public final class Main {
    private Main() { }

    public static void main(String[] args) {
        boolean early = EarlyPrompt.show(args);
        openClassPathEarly();
        if (early) { // from here on what is typed waits for JLine unechoed (JLine's native library from its kept copy)
            useKeptJLineLibrary(Home.detect().cache());
            EarlyPrompt.holdInput();
        }
        System.exit(run(args, early));
    }

    /** The service file the start of java.util.logging looks for in every jar on the class path. */
    static final String LOGGER_FINDER_SERVICE = "META-INF/services/java.lang.System$LoggerFinder";

    /**
     * Opens the jars of the class path on a background thread while the main thread starts up. JLine logs through
     * java.util.logging, whose start looks for {@link #LOGGER_FINDER_SERVICE} in every jar of the class path: opening
     * them (the signed Bouncy Castle jars with their large manifests among them) costs about 30 ms, which this takes off
     * the prompt's path: the class path keeps the jars it opened, so that lookup finds them open.
     */
    static void openClassPathEarly() {
        Thread t = new Thread(new Runnable() { // a class, not a lambda: the first lambda costs the main thread the invoke set-up
            @Override
            public void run() {
                try {
                    Enumeration<URL> found = ClassLoader.getSystemClassLoader().getResources(LOGGER_FINDER_SERVICE);
                    while (found.hasMoreElements()) found.nextElement();
                } catch (IOException | RuntimeException e) {
                    // only a head start: the logging start opens the jars itself
                }
            }
        }, "meros-classpath");
        t.setDaemon(true);
        t.start();
    }

    /** Runs the shell, a command or a script; the handles' connections are closed when it ends. */
    static int run(String[] args) {
        return run(args, false);
    }

    /** {@code earlyPrompt}: {@link EarlyPrompt} has drawn the shell's prompt already. */
    static int run(String[] args, boolean earlyPrompt) {
        try (Meros meros = new Meros(Home.detect())) {
            return run(meros, args, earlyPrompt);
        }
    }

    private static int run(Meros meros, String[] args, boolean earlyPrompt) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean debug = a.contains("-v") || a.contains("--debug");
        if (EarlyPrompt.opensShell(args)) {
            return repl(meros, debug, earlyPrompt);
        }
        for (int i = 0; i < a.size(); i++) { // "meros [-v] FILE.jsh" is "meros [-v] script FILE.jsh"
            if (a.get(i).startsWith("-")) continue;
            if (a.get(i).endsWith(".jsh")) a.add(i, "script");
            break;
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        if (a.contains("connect") && System.console() != null) return connect(meros, a, out, err);
        int code;
        try (OneShotInterrupts signals = OneShotInterrupts.install(Thread.currentThread(), err)) {
            code = signals.exitCodeFor(Cli.create(meros, out, err).execute(a.toArray(new String[0])));
        }
        Thread.interrupted(); // a Ctrl-C that came as the command ended must not cut short closing its connections
        out.flush();
        err.flush();
        return code;
    }

    /** One-shot {@code meros connect C VM}: the interactive shell needs the real terminal. */
    private static int connect(Meros meros, List<String> a, PrintWriter out, PrintWriter err) {
        try (Terminal terminal = TerminalBuilder.builder().name("meros").system(true).providers("jni,exec").build()) {
            meros.setTerminal(new JLineTerminalAccess(terminal));
            return Cli.create(meros, out, err).execute(a.toArray(new String[0]));
        } catch (IOException e) {
            err.println("error: cannot open the terminal: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The process's terminal for the shell (a dumb one over a pipe), never 0 columns wide. Starts no process when it
     * can: the JNI provider alone checks the streams with isatty (the exec provider runs {@code test -t} for that),
     * and the capabilities JLine bundles for common {@code TERM}s are used instead of running {@code infocmp}.
     */
    static Terminal systemTerminal() throws IOException {
        String term = System.getenv("TERM");
        String bundled = term == null ? null : InfoCmp.getDefaultInfoCmp(term);
        if (bundled != null) InfoCmp.setLoadedInfoCmp(term, bundled);
        TerminalBuilder builder = TerminalBuilder.builder().name("meros").system(true).providers("jni").exec(false).dumb(true);
        if (System.getProperty(TerminalBuilder.PROP_ENCODING) == null && System.getProperty(TerminalBuilder.PROP_CODEPAGE) == null) {
            // what JLine ends up with anyway outside Windows, after asking for charsets "ms0" and "cp0" (which loads
            // the extended charsets and reads the service files of every jar on the class path)
            builder.encoding(Charset.defaultCharset());
        }
        Terminal terminal = builder.build();
        if (terminal instanceof DumbTerminal && System.console() != null) { // a terminal, but no JNI: the exec provider
            terminal.close();
            terminal = TerminalBuilder.builder().name("meros").system(true).providers("jni,exec").dumb(true).build();
        }
        if (terminal.getWidth() <= 0) terminal.setSize(new Size(120, 40)); // a pipe or a 0x0 pty
        return terminal;
    }

    /** Where JLine looks for its JNI library before copying one out of its jar (JLineNativeLoader). */
    static final String JLINE_LIBRARY_PATH = "library.jline.path";

    /**
     * JLine's JNI library, kept under {@code cache/jline-native/<jline-native jar>/<os>/<arch>/}: without
     * {@link #JLINE_LIBRARY_PATH} JLine copies the library out of its jar into a new temp file at every start
     * (about 15 ms before the prompt). When the kept copy exists it is used (the property is set); when it does not,
     * the returned task makes it (run it after the prompt) and this start copies as before. A property given on the
     * command line wins. Returns null when there is nothing to do.
     */
    static Runnable useKeptJLineLibrary(Path cache) {
        if (System.getProperty(JLINE_LIBRARY_PATH) != null) return null;
        String folder = OSInfo.getNativeLibFolderPathForCurrentOS();
        String name = System.mapLibraryName("jlinenative");
        Path dir;
        try {
            var src = OSInfo.class.getProtectionDomain().getCodeSource();
            if (src == null) return null;
            dir = cache.resolve("jline-native").resolve(Path.of(src.getLocation().toURI()).getFileName().toString()).resolve(folder);
        } catch (URISyntaxException | RuntimeException e) {
            return null; // not from a jar file: JLine copies as usual
        }
        if (Files.isRegularFile(dir.resolve(name))) {
            System.setProperty(JLINE_LIBRARY_PATH, dir.toString());
            return null;
        }
        return () -> {
            try (InputStream in = OSInfo.class.getResourceAsStream("/org/jline/nativ/" + folder + "/" + name)) {
                if (in == null) return;
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, name, ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                // a convenience: the next start copies from the jar as this one did
            }
        };
    }

    private static int repl(Meros meros, boolean debug, boolean earlyPrompt) {
        // JShell takes about 0.3 s of CPU to build (javac's first compilation). It starts at launch when the prompt
        // is drawn early (EarlyPrompt) or with -Dmeros.jshell.early; else once JLine has drawn the prompt (Repl): on
        // 2 cores starting it first delays JLine's prompt by 15-40 ms (docs/shell.md, Start-up)
        JShellEvaluator evaluator = new JShellEvaluator(meros);
        evaluator.debug(debug);
        if (earlyPrompt || Boolean.getBoolean("meros.jshell.early")) evaluator.warmUp();
        Runnable keepLibrary = useKeptJLineLibrary(meros.home().cache());
        try (evaluator; Terminal terminal = systemTerminal()) {
            if (earlyPrompt) EarlyPrompt.adoptOriginal(terminal);
            meros.setTerminal(new JLineTerminalAccess(terminal)); // for connect
            Repl repl = new Repl(terminal, meros, meros.home().history(), debug, Repl.commandsOf(meros), evaluator);
            if (keepLibrary != null) repl.afterPrompt(keepLibrary);
            if (earlyPrompt) repl.continueEarlyPrompt();
            return repl.run();
        } catch (IOException e) {
            if (earlyPrompt) System.out.println(); // below the early prompt, not after it
            System.err.println("error: cannot open the terminal: " + e.getMessage());
            return 1;
        } finally {
            EarlyPrompt.restore(); // after JLine's close: the terminal's own settings, if input was held
        }
    }
}
