package meros.shell;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.PersistentSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import meros.core.Meros;
import meros.core.base.Text;
import org.jline.utils.WriterOutputStream;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The in-process JShell that evaluates every non-command line. It shares the host's live objects: snippets see
 * the same {@link Meros} instance (bound as {@code meros}) and the same classes as the commands.
 * <p>
 * JShell is created on its own thread (its loader delegate would otherwise change the caller's context class
 * loader) and every call into it runs on that thread, one at a time. {@link #warmUp()} starts the creation in
 * the background; the first evaluation waits for it.
 * <p>
 * The set-up snippets are evaluated after that, one per turn of the JShell thread (each is a compilation of its
 * own, together about a third of the start): first the {@link #BINDING} of {@code meros}, then the on-demand
 * {@link #IMPORTS}. A line is evaluated as soon as JShell means by it what it will mean once the set-up is done, in
 * between set-up snippets: a line that names no type by its simple name ({@link #namesTypes}) and does not use the
 * word {@code meros} ({@code 1+1}) at once; one that uses {@code meros} ({@code meros.list()}) once the binding is in
 * effect; one that names a type ({@code List.of(1)}) once every import is. Every type of the imported packages has a
 * name starting with a capital letter, so a line without such a word means the same before and after the imports.
 */
public final class JShellEvaluator implements AutoCloseable {
    /**
     * Every package of the core's public API, so its classes have their simple names in Java lines
     * ({@code NftRules}); full names work too (see {@link QualifiedNames}).
     */
    static final List<String> IMPORTS = List.of(
            "import meros.core.*;", "import meros.core.base.*;", "import meros.core.manifest.*;", "import meros.core.host.*;", "import meros.core.image.*;",
            "import meros.core.kernel.*;", "import meros.core.net.*;", "import meros.core.proc.*;", "import meros.core.qemu.*;", "import meros.core.lifecycle.*;",
            "import meros.core.qmp.*;", "import meros.core.scenario.*;", "import meros.core.ssh.*;", "import meros.core.state.*;",
            "import java.util.*;", "import java.nio.file.*;", "import java.time.*;");
    /**
     * The variable {@code meros}: the host's {@link Meros}, handed over through {@link Bindings} (named by its full
     * type name: the package imports come later).
     */
    static final List<String> BINDING = List.of("import meros.shell.Bindings;",
            "meros.core.Meros meros = (meros.core.Meros) Bindings.get(\"meros\");");
    /** The name {@link #BINDING} declares. */
    static final String BOUND_NAME = "meros";
    /** Longest value echoed after {@code ==>}, in code points (JShell's own feedback shortens long values too). */
    static final int MAX_VALUE = 500;
    /** Frames of snippet code shown under a snippet exception. */
    static final int MAX_FRAMES = 3;

    /** Whether a piece of input is a complete snippet (or several), needs more lines, or is empty. */
    public enum Completeness { COMPLETE, INCOMPLETE, EMPTY }

    /** Where evaluated source comes from: decides how a variable JShell declares but cannot define counts. */
    public enum Context {
        /**
         * The interactive shell, as jshell: a variable whose type does not exist yet ({@code Foo x}) is declared and
         * reported ({@code declared variable x of type Foo (it cannot be used until class Foo exists)}).
         */
        SHELL,
        /**
         * A script, which runs top to bottom: such a variable fails its line and is dropped, since it cannot be used
         * once its line has run. Methods and classes may still name what later lines declare, as in jshell.
         */
        SCRIPT
    }

    /**
     * What one evaluation did.
     *
     * @param ok      false after a compile error, a snippet exception or an interrupt
     * @param failure one line saying what failed (null when ok)
     * @param line    the 0-based line within the evaluated source where it failed
     * @param column  the 1-based column of a compile error on that line; 0 when the failure has none
     */
    public record Outcome(boolean ok, String failure, int line, int column) {
        static final Outcome OK = new Outcome(true, null, 0, 0);

        Outcome(boolean ok, String failure, int line) { this(ok, failure, line, 0); }
    }

    /** A completion suggestion: the text replacing the input from {@code anchor} to the cursor. */
    public record Suggestion(String continuation, boolean matchesType, int anchor) { }

    /** The signature of what is at the cursor and its javadoc as plain text (null when none is known). */
    public record Doc(String signature, String javadoc) { }

    private final Meros meros;
    private final ExecutorService thread;
    private volatile CompletableFuture<JShell> jshell;
    /** Done when the {@link #BINDING} is in effect. */
    private volatile CompletableFuture<Void> binding;
    /** Done when the binding and every import of {@link #IMPORTS} are in effect. */
    private volatile CompletableFuture<Void> imports;
    private volatile boolean closing;
    private volatile boolean stopRequested;
    private volatile boolean debug;

    public JShellEvaluator(Meros meros) {
        this.meros = meros;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "meros-jshell");
            t.setDaemon(true);
            return t;
        });
    }

    public void debug(boolean on) {
        this.debug = on;
    }

    /** Starts building JShell in the background, then its binding and imports (idempotent). */
    public synchronized CompletableFuture<JShell> warmUp() {
        if (jshell == null) {
            jshell = CompletableFuture.supplyAsync(this::create, thread);
            binding = jshell.thenCompose(js -> setUpFrom(js, BINDING, 0));
            imports = binding.thenCompose(v -> setUpFrom(jshell.join(), IMPORTS, 0));
        }
        return jshell;
    }

    /**
     * Starts building JShell (as {@link #warmUp()}) and returns what completes once its imports are in effect (or it
     * failed to start, or was closed): the end of its start-up work.
     */
    public CompletableFuture<Void> warmUpWithImports() {
        warmUp();
        return imports;
    }

    /**
     * Evaluates set-up snippet {@code i} of {@code steps} as a task of its own on the JShell thread and queues the
     * next one only when it is done: lines submitted meanwhile run in between.
     */
    private CompletableFuture<Void> setUpFrom(JShell js, List<String> steps, int i) {
        if (i == steps.size() || closing) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> rest = new CompletableFuture<>();
        whenNotPaused(() -> CompletableFuture.runAsync(() -> setUp(js, steps.get(i)), thread)
                .thenCompose(v -> setUpFrom(js, steps, i + 1))
                .whenComplete((v, failure) -> {
                    if (failure != null) rest.completeExceptionally(failure);
                    else rest.complete(null);
                }));
        return rest;
    }

    /** Set by {@link #pauseImports()}: the next import waits (in {@link #parkedImport}) until {@link #resumeImports()}. */
    private boolean importsPaused; // guarded by this
    private Runnable parkedImport; // guarded by this

    private synchronized void whenNotPaused(Runnable next) {
        if (importsPaused) parkedImport = next;
        else next.run();
    }

    /**
     * Keeps set-up snippets (the binding, the imports) not yet started from running until {@link #resumeImports()},
     * so that the line being read is not queued behind one (each takes a compilation, ~30 ms) between its
     * completeness check and its evaluation. A line that needs them resumes them in {@link #eval} before it waits.
     */
    public synchronized void pauseImports() {
        importsPaused = true;
    }

    /** Lets the imports go on (idempotent). */
    public void resumeImports() {
        Runnable next;
        synchronized (this) {
            importsPaused = false;
            next = parkedImport;
            parkedImport = null;
        }
        if (next != null) next.run();
    }

    /** True once JShell is built and its binding of {@code meros} is in effect (imports may still be on their way). */
    public boolean isReady() {
        CompletableFuture<Void> b = binding;
        return b != null && b.isDone() && !b.isCompletedExceptionally();
    }

    private JShell create() {
        ClassLoader host = JShellEvaluator.class.getClassLoader();
        Bindings.put(BOUND_NAME, meros);
        JShell js = HostExecution.newJShell(host, meros.home().cache());
        js.sourceCodeAnalysis().analyzeCompletion("1+1"); // the first line's completeness check, warmed up
        return js;
    }

    private static void setUp(JShell js, String s) {
        for (SnippetEvent e : js.eval(s)) {
            if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
                throw new IllegalStateException("JShell setup failed on '" + s + "': "
                        + js.diagnostics(e.snippet()).map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.joining("; ")));
            }
        }
    }

    /**
     * Whether Java source has a word starting with a capital letter outside strings, characters and comments: a
     * type named by its simple name (or anything else so spelled), which an on-demand import may be needed for.
     */
    static boolean namesTypes(String source) {
        return hasWord(source, w -> !Character.isLowerCase(w.charAt(0))); // capitals, and to be safe '_', '$' and letters without case
    }

    /** Whether Java source uses the word {@code meros} outside strings, characters and comments. */
    static boolean usesBinding(String source) {
        return hasWord(source, BOUND_NAME::equals);
    }

    /** Whether an identifier-like word outside strings, characters and comments of Java source matches {@code word}. */
    private static boolean hasWord(String source, Predicate<String> word) {
        int n = source.length();
        int i = 0;
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') j += source.charAt(j) == '\\' ? 2 : 1;
                i = Math.min(n, j + 1);
            } else if (Character.isJavaIdentifierStart(c)) {
                int j = i;
                while (j < n && Character.isJavaIdentifierPart(source.charAt(j))) j++;
                if (word.test(source.substring(i, j))) return true;
                i = j;
            } else {
                i++;
            }
        }
        return false;
    }

    /**
     * Waits until the set-up snippets {@code source} may need are in effect (never on the JShell thread itself):
     * every import for a line that names a type, the binding for one that uses {@code meros}. Lets paused set-up
     * snippets go on first.
     */
    private void awaitSetUp(String source) {
        if (Thread.currentThread().getName().equals("meros-jshell")) return;
        CompletableFuture<Void> needed = namesTypes(source) ? imports : usesBinding(source) ? binding : null;
        if (needed == null || needed.isDone()) return;
        resumeImports();
        try {
            needed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while JShell was starting");
        } catch (ExecutionException e) {
            throw new IllegalStateException("JShell did not start: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private JShell jshell() {
        try {
            return warmUp().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while JShell was starting");
        } catch (ExecutionException e) {
            throw new IllegalStateException("JShell did not start: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private <T> T onThread(Callable<T> task) {
        JShell js = jshell();
        if (Thread.currentThread().getName().equals("meros-jshell")) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> f = thread.submit(task);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return interrupted ? f.get(100, TimeUnit.MILLISECONDS) : f.get();
                } catch (InterruptedException e) {
                    // Ctrl-C: stop the snippet and wait for JShell to report it, so the next line finds it idle
                    interrupted = true;
                    stopRequested = true;
                    js.stop();
                } catch (TimeoutException e) {
                    js.stop(); // the stop may have fallen between two snippets: repeat until the task ends
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code source} holds complete snippets, needs more input, or holds nothing but blanks/comments. */
    public Completeness completeness(String source) {
        return onThread(() -> {
            SourceCodeAnalysis sca = jshell().sourceCodeAnalysis();
            String rest = source;
            boolean any = false;
            while (!rest.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
                switch (info.completeness()) {
                    case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE:
                        return Completeness.INCOMPLETE;
                    case EMPTY:
                        return any ? Completeness.COMPLETE : Completeness.EMPTY;
                    default:
                        any = true;
                        if (info.remaining().length() >= rest.length()) return Completeness.COMPLETE;
                        rest = info.remaining();
                }
            }
            return any ? Completeness.COMPLETE : Completeness.EMPTY;
        });
    }

    /** Interrupts the running snippet, if any (Ctrl-C). */
    public void stop() {
        CompletableFuture<JShell> j = jshell;
        if (j != null && j.isDone() && !j.isCompletedExceptionally()) {
            stopRequested = true;
            j.join().stop();
        }
    }

    /**
     * Whether a Java line that reads as command words ({@link Router.Route#commandWord()}) is a mistyped meros
     * command rather than Java: JShell knows nothing by the name its first word starts with (no variable, method or
     * type of the session, no imported name, no expression of that name, such as a statically imported field), and
     * the first snippet of {@code source} is no method or class declaration (those may name what later snippets
     * declare). Nothing is evaluated, so no snippet is made and none of the same name is replaced.
     *
     * @param word   the line's first word
     * @param source the complete source that line starts
     * @return true when {@code source} is to be reported as an unknown command
     * @throws IllegalStateException when JShell did not start, or the wait for it was interrupted
     */
    public boolean isUnknownCommand(String word, String source) {
        String name = UnknownCommand.javaName(word);
        jshell();
        awaitSetUp(source); // what the word names may come with the binding or an import
        return onThread(() -> {
            JShell js = jshell();
            if (knows(js, name)) return false;
            SourceCodeAnalysis sca = js.sourceCodeAnalysis();
            String first = sca.analyzeCompletion(source).source(); // the first snippet, with a ';' added if it needs one
            for (Snippet s : sca.sourceToSnippets(first != null ? first : source)) {
                if (s instanceof MethodSnippet || s instanceof TypeDeclSnippet) return false;
            }
            return true;
        });
    }

    /** Whether {@code name} is a variable, method, type or single import of the session, or an expression. */
    private static boolean knows(JShell js, String name) {
        Stream<PersistentSnippet> named = Stream.of(js.variables(), js.methods(), js.types(), js.imports())
                .flatMap(snippets -> snippets.map(PersistentSnippet.class::cast));
        if (named.anyMatch(s -> s.name().equals(name))) return true;
        return js.sourceCodeAnalysis().analyzeType(name, name.length()) != null;
    }

    /**
     * Evaluates every snippet in {@code source} as the shell does ({@link Context#SHELL}).
     *
     * @see #eval(String, PrintWriter, PrintWriter, Context)
     */
    public Outcome eval(String source, PrintWriter out, PrintWriter err) {
        return eval(source, out, err, Context.SHELL);
    }

    /**
     * Evaluates every snippet in {@code source}, printing values to {@code out} and problems to {@code err};
     * snippet {@code System.out}/{@code System.err} go to the same writers. Stops at the first failure.
     *
     * @param source  one or more complete snippets
     * @param out     values, declarations and the snippets' standard output
     * @param err     compile errors, exceptions and the snippets' standard error
     * @param context whether a variable JShell cannot define yet is reported ({@link Context#SHELL}) or fails
     *                ({@link Context#SCRIPT})
     * @return ok, or the first failure and its line within {@code source}
     * @throws IllegalStateException when JShell did not start, or the wait for it was interrupted
     */
    public Outcome eval(String source, PrintWriter out, PrintWriter err, Context context) {
        stopRequested = false;
        jshell();
        awaitSetUp(source);
        try {
            return evalOnThread(source, out, err, context);
        } finally {
            resumeImports();
        }
    }

    private Outcome evalOnThread(String source, PrintWriter out, PrintWriter err, Context context) {
        return onThread(() -> {
            JShell js = jshell();
            SourceCodeAnalysis sca = js.sourceCodeAnalysis();
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            PrintStream sOut = new PrintStream(new WriterOutputStream(out, StandardCharsets.UTF_8), true, StandardCharsets.UTF_8);
            PrintStream sErr = new PrintStream(new WriterOutputStream(err, StandardCharsets.UTF_8), true, StandardCharsets.UTF_8);
            System.setOut(sOut);
            System.setErr(sErr);
            try {
                String rest = source;
                int consumed = 0;
                while (!rest.isBlank()) {
                    SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
                    String snippet;
                    String next;
                    if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) break;
                    if (info.completeness().isComplete() && info.remaining().length() < rest.length()) {
                        snippet = info.source();
                        next = info.remaining();
                    } else {
                        snippet = rest;
                        next = "";
                    }
                    // JShell numbers the lines of a snippet's stack frames from its first non-blank line: the
                    // snippet goes to it without its leading blank lines, so that frames and diagnostic positions
                    // count from the same line
                    int skipped = leadingBlankLines(snippet);
                    snippet = snippet.substring(skipped);
                    int lineOffset = lineOf(source, consumed + skipped);
                    if (stopRequested) {
                        err.println("interrupted");
                        return new Outcome(false, "interrupted", lineOffset);
                    }
                    Outcome o = evalOne(js, snippet, lineOffset, out, err, context);
                    sOut.flush();
                    sErr.flush();
                    if (!o.ok()) return o;
                    consumed += rest.length() - next.length();
                    rest = next;
                }
                return Outcome.OK;
            } finally {
                sOut.flush();
                sErr.flush();
                System.setOut(oldOut);
                System.setErr(oldErr);
                out.flush();
                err.flush();
            }
        });
    }

    private Outcome evalOne(JShell js, String typed, int lineOffset, PrintWriter out, PrintWriter err, Context context) {
        QualifiedNames.Rewrite rw = QualifiedNames.rewrite(typed);
        if (rw.clash() != null) {
            err.println("error: " + rw.clash());
            return new Outcome(false, rw.clash(), lineOffset);
        }
        for (String imp : rw.imports()) js.eval("import " + imp + ";");
        String snippet = rw.source();
        List<SnippetEvent> events = js.eval(snippet);
        // in a script: variables JShell could not define. Typed as what JShell's methods take (Snippet,
        // DeclarationSnippet): handing them a subtype would have the verifier load JShell's classes with this class,
        // before the prompt (PromptPathTest)
        List<Snippet> undefined = new ArrayList<>();
        String undefinedFailure = null;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) continue; // updates of dependent snippets
            Snippet s = e.snippet();
            if (context == Context.SCRIPT && s instanceof VarSnippet && isRecoverable(e.status())) {
                undefined.add(s);
                DeclarationSnippet v = (DeclarationSnippet) s;
                if (undefinedFailure == null) undefinedFailure = "variable " + v.name() + " cannot be defined: "
                        + js.unresolvedDependencies(v).collect(Collectors.joining(", "))
                        + " does not exist (a script declares what a variable names above it)";
                continue;
            }
            if (e.status() == Snippet.Status.REJECTED) {
                List<Diag> diags = js.diagnostics(s).collect(Collectors.toList());
                String first = null;
                int firstLine = lineOffset;
                int firstCol = 0;
                int more = 0;
                for (Diag d : diags) {
                    if (!d.isError()) continue;
                    long pos = Math.max(0, d.getStartPosition());
                    int line = lineOf(snippet, (int) Math.min(pos, snippet.length()));
                    int col = colOf(snippet, (int) Math.min(pos, snippet.length()));
                    String msg = oneLine(d.getMessage(Locale.ROOT));
                    // a script's runner reports its first error once, at the file's line and column
                    if (context != Context.SCRIPT) err.println("error at " + (lineOffset + line + 1) + ":" + (col + 1) + ": " + msg);
                    if (first == null) {
                        first = "compile error: " + msg;
                        firstLine = lineOffset + line;
                        firstCol = col + 1;
                    } else {
                        more++;
                    }
                }
                if (first != null && context == Context.SCRIPT && more > 0) {
                    first += " (and " + more + " more error" + (more == 1 ? "" : "s") + " in this snippet)";
                }
                if (first == null) {
                    first = "rejected: " + oneLine(snippet);
                    err.println("error: " + first);
                }
                return new Outcome(false, first, firstLine, firstCol);
            }
            JShellException ex = e.exception();
            if (ex != null) {
                String what = describe(ex);
                err.println(what);
                String first = what.lines().findFirst().orElse(what); // the failure's summary: its first line
                int shown = 0;
                for (StackTraceElement f : ex.getStackTrace()) {
                    if (!debug && !isSnippetFrame(f)) continue;
                    if (!debug && shown++ >= MAX_FRAMES) break;
                    err.println("    at " + frame(f));
                }
                return new Outcome(false, first, lineOffset + thrownAt(ex, s.id()));
            }
            if (stopRequested) {
                err.println("interrupted");
                return new Outcome(false, "interrupted", lineOffset);
            }
            if (!e.status().isDefined() && e.status() != Snippet.Status.RECOVERABLE_NOT_DEFINED) continue;
            String shown = show(js, e);
            if (shown != null) out.println(shown);
        }
        if (undefinedFailure != null) {
            for (Snippet v : undefined) js.drop(v);
            err.println("error: " + undefinedFailure);
            return new Outcome(false, undefinedFailure, lineOffset);
        }
        return Outcome.OK;
    }

    private static boolean isRecoverable(Snippet.Status status) {
        return status == Snippet.Status.RECOVERABLE_DEFINED || status == Snippet.Status.RECOVERABLE_NOT_DEFINED;
    }

    private static String show(JShell js, SnippetEvent e) {
        Snippet s = e.snippet();
        String note = isRecoverable(e.status())
                ? " (it cannot be used until " + js.unresolvedDependencies((DeclarationSnippet) s)
                    .collect(Collectors.joining(", ")) + " exists)" : "";
        if (s instanceof ExpressionSnippet x) return x.name() + " ==> " + value(x.name(), e.value());
        if (s instanceof VarSnippet v) {
            return e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED
                    ? "declared variable " + v.name() + " of type " + v.typeName() + note
                    : v.name() + " ==> " + value(v.name(), e.value()) + note;
        }
        if (s instanceof MethodSnippet m) return (e.previousStatus() == Snippet.Status.NONEXISTENT ? "created" : "replaced")
                + " method " + m.name() + "(" + m.parameterTypes() + ")" + note;
        if (s instanceof TypeDeclSnippet t) return (e.previousStatus() == Snippet.Status.NONEXISTENT ? "created" : "replaced")
                + " " + kind(t) + " " + t.name() + note;
        return null;
    }

    /**
     * A value as echoed: at most {@link #MAX_VALUE} code points, then how much more there is and how to see it all
     * ({@code System.out.println(name)} prints the whole value).
     */
    static String value(String name, String value) {
        if (value == null) return null;
        int n = value.codePointCount(0, value.length());
        if (n <= MAX_VALUE) return value;
        return value.substring(0, value.offsetByCodePoints(0, MAX_VALUE)) + " ... (" + n + " characters; System.out.println("
                + name + ") shows all)";
    }

    private static String kind(TypeDeclSnippet t) {
        return switch (t.subKind()) {
            case INTERFACE_SUBKIND -> "interface";
            case ENUM_SUBKIND -> "enum";
            case ANNOTATION_TYPE_SUBKIND -> "annotation";
            case RECORD_SUBKIND -> "record";
            default -> "class";
        };
    }

    /**
     * A snippet's exception as printed: its class and message. A message of several lines (e.g. a wait's failure
     * with the VM's last serial lines) keeps its lines; everything in it is {@link Text#printable}, since it may hold
     * what a guest wrote.
     */
    static String describe(JShellException ex) {
        if (ex instanceof EvalException ee) {
            String m = Text.printable(ee.getMessage());
            return ee.getExceptionClassName() + (m == null || m.isBlank() ? "" : ": " + m.strip());
        }
        if (ex instanceof UnresolvedReferenceException ur) {
            return "unresolved reference: " + ur.getSnippet().source().strip() + " needs "
                    + "a declaration that does not exist yet";
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    /** JShell reports frames of snippet code with an empty (or {@code REPL.}) class name. */
    private static boolean isSnippetFrame(StackTraceElement f) {
        return f.getClassName().isEmpty() || f.getClassName().startsWith("REPL.");
    }

    private static String frame(StackTraceElement f) {
        if (isSnippetFrame(f)) {
            String file = f.getFileName() == null ? "snippet" : f.getFileName();
            String method = f.getMethodName().equals("do_it$") ? "" : f.getMethodName();
            return method + "(" + file + ":" + f.getLineNumber() + ")";
        }
        return f.toString();
    }

    /** A diagnostic on one line; drops the empty "location: class" JShell's wrapper classes produce. */
    static String oneLine(String s) {
        return s.lines().map(l -> l.strip().replaceAll("\\s+", " "))
                .filter(l -> !l.isEmpty() && !l.equals("location: class"))
                .collect(Collectors.joining("; "));
    }

    /**
     * Where in snippet {@code snippetId} an exception left it: the 0-based line, within the snippet's source, of
     * the innermost stack frame of that snippet (JShell names a snippet's frames {@code #<id>} and numbers their
     * lines from 1). A frame of a method or lambda another snippet declared is passed over for the line of this
     * snippet that called it; 0 when no frame is this snippet's.
     */
    static int thrownAt(JShellException ex, String snippetId) {
        String file = "#" + snippetId;
        for (StackTraceElement f : ex.getStackTrace()) {
            if (isSnippetFrame(f) && file.equals(f.getFileName()) && f.getLineNumber() > 0) return f.getLineNumber() - 1;
        }
        return 0;
    }

    /** How many characters of {@code s} are whitespace up to and including the last line break before its first non-blank. */
    private static int leadingBlankLines(String s) {
        int blank = leadingBlank(s);
        return s.lastIndexOf('\n', blank - 1) + 1;
    }

    private static int leadingBlank(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }

    static int lineOf(String s, int pos) {
        int n = 0;
        for (int i = 0; i < pos && i < s.length(); i++) if (s.charAt(i) == '\n') n++;
        return n;
    }

    private static int colOf(String s, int pos) {
        int nl = s.lastIndexOf('\n', pos - 1);
        return pos - (nl + 1);
    }

    /**
     * Java completions at {@code cursor}; empty while JShell is still starting (completion never waits).
     */
    public List<Suggestion> complete(String code, int cursor) {
        if (!isReady()) return List.of();
        return onThread(() -> {
            int[] anchor = new int[1];
            List<SourceCodeAnalysis.Suggestion> s = jshell().sourceCodeAnalysis().completionSuggestions(code, cursor, anchor);
            List<Suggestion> out = new ArrayList<>();
            for (SourceCodeAnalysis.Suggestion x : s) out.add(new Suggestion(x.continuation(), x.matchesType(), anchor[0]));
            return out;
        });
    }

    /**
     * What JShell knows about the method call or name before {@code cursor} (jshell's own second Tab): each
     * signature with its javadoc, from the JDK's {@code src.zip} for JDK classes and from the sources that ship
     * in meros' jar for meros' classes ({@link ApiDocs}). Empty while JShell is still starting (never waits).
     */
    public List<Doc> documentation(String code, int cursor) {
        if (!isReady()) return List.of();
        return onThread(() -> {
            List<Doc> out = new ArrayList<>();
            // signatures first (cheap); javadoc only where there is something to show
            List<SourceCodeAnalysis.Documentation> found = jshell().sourceCodeAnalysis().documentation(code, cursor, false);
            if (found.isEmpty()) return out;
            for (SourceCodeAnalysis.Documentation d : jshell().sourceCodeAnalysis().documentation(code, cursor, true)) {
                String doc = d.javadoc();
                if (doc == null || doc.isBlank()) doc = apiDocs.forSignature(d.signature());
                out.add(new Doc(d.signature(), doc));
            }
            return out;
        });
    }

    private final ApiDocs apiDocs = new ApiDocs(JShellEvaluator.class.getClassLoader());

    @Override
    public void close() {
        closing = true; // imports not yet evaluated are dropped
        CompletableFuture<JShell> j = jshell;
        if (j != null) {
            try {
                j.thenAcceptAsync(JShell::close, thread).get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort
            }
        }
        thread.shutdownNow();
    }
}
